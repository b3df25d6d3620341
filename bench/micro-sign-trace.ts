/**
 * Micro-bench (issue 22): per-message cost of signing (v1 HMAC, v1a ed25519, both) and of the
 * tracing facade off and on. Run alone: `npx tsx bench/micro-sign-trace.ts`. Prints ns per message
 * (median of rounds, interleaved so machine load hits every case alike). Spans go to a local
 * OTLP/HTTP sink on loopback.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { signatureHeaders } from '../src/delivery/signing.js';
import { generateSigningKeyPair } from '../src/signing-keys/index.js';
import { createTelemetry, type Telemetry } from '../src/telemetry/index.js';

const ROUNDS = 7;
const body = JSON.stringify({
  id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
  type: 'flight.departed',
  data: { flight: 'LH400', text: 'x'.repeat(900) },
});
const whsec = `whsec_${randomBytes(32).toString('base64')}`;
const whsk = generateSigningKeyPair().secretKey;

function timePerOp(ops: number, fn: (i: number) => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / ops;
}

function traceOneMessage(telemetry: Telemetry, i: number): void {
  // What ingest + one delivery attempt will do per message, guarded as callers must.
  if (!telemetry.enabled) return;
  const attrs = { flight: 'LH400', eventType: 'flight.departed', messageId: `msg_${i}` };
  const ingest = telemetry.startIngestSpan(attrs);
  const carrier = telemetry.contextToCarrier(ingest);
  telemetry.endSpan(ingest, { outcome: 'queued' });
  const attempt = telemetry.startAttemptSpan(carrier, { ...attrs, webhookId: 'crm', attempt: 1 });
  telemetry.endSpan(attempt?.span, { outcome: 'delivered', httpStatus: 204 });
}

async function main(): Promise<void> {
  const sink = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end('{}')));
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const off = await createTelemetry({ env: {} });

  const cases: Record<string, () => number> = {
    'sign v1 (whsec_)': () => timePerOp(20_000, (i) => signatureHeaders([whsec], `msg_${i}`, 1, body)),
    'sign v1a (whsk_)': () => timePerOp(5_000, (i) => signatureHeaders([whsk], `msg_${i}`, 1, body)),
    'sign v1 + v1a': () => timePerOp(5_000, (i) => signatureHeaders([whsec, whsk], `msg_${i}`, 1, body)),
    'trace off (2 spans/msg)': () => timePerOp(200_000, (i) => traceOneMessage(off, i)),
  };
  const results: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(cases)) (results[name] ??= []).push(run());
    // On: span creation, then the batched OTLP export of those spans (JSON over loopback).
    const on = await createTelemetry({ env: {}, config: { enabled: true, endpoint } });
    const created = timePerOp(1_000, (i) => traceOneMessage(on, i));
    const start = process.hrtime.bigint();
    await on.shutdown();
    const exported = Number(process.hrtime.bigint() - start) / 1_000;
    (results['trace on: create 2 spans/msg'] ??= []).push(created);
    (results['trace on: + export 2 spans/msg'] ??= []).push(created + exported);
  }
  sink.close();
  for (const [name, samples] of Object.entries(results)) {
    const sorted = [...samples].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    console.log(
      `${name.padEnd(32)} ${(median / 1000).toFixed(2).padStart(8)} µs/msg  (min ${(sorted[0]! / 1000).toFixed(2)})`,
    );
  }
}

await main();
