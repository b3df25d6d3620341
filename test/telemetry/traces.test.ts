import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import {
  createTelemetry,
  telemetryOff,
  type Telemetry,
  type TraceCarrier,
} from '../../src/telemetry/index.js';
import { OtlpReceiver } from './otlp-receiver.js';

const SPAN_KIND = { internal: 1, client: 3, consumer: 5 };
const STATUS_ERROR = 2;

/** A webhook receiver that fails its first request and accepts the next; records traceparent. */
async function flakyWebhook() {
  const traceparents: string[] = [];
  const server = createServer((req, res) => {
    traceparents.push(String(req.headers.traceparent));
    req.resume().on('end', () => res.writeHead(traceparents.length === 1 ? 503 : 204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, traceparents, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('one trace: ingest span, a child step, and two attempt spans across the queue and a restart', async (t) => {
  const otlp = await OtlpReceiver.start();
  const webhook = await flakyWebhook();
  t.after(() => Promise.all([otlp.close(), webhook.close()]));
  const env = {
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
    OTEL_SERVICE_NAME: 'fb-test',
  };
  const message = { flight: 'LH400', eventType: 'flight.departed', messageId: 'msg_1' };

  // Ingest: receipt, the Redis write, the carrier stored as JSON in the job.
  const ingestTelemetry = await createTelemetry({ env });
  assert.equal(ingestTelemetry.enabled, true);
  const ingest = ingestTelemetry.startIngestSpan(message);
  const write = ingestTelemetry.startChildSpan(ingest, 'redis write', message);
  ingestTelemetry.endSpan(write, { outcome: 'ok' });
  const jobData = JSON.stringify({ envelope: {}, trace: ingestTelemetry.contextToCarrier(ingest) });
  ingestTelemetry.endSpan(ingest, { outcome: 'queued' });

  /** One delivery attempt as the worker will make it: span from the stored carrier, header, outcome. */
  async function attempt(telemetry: Telemetry, number: number): Promise<void> {
    const { trace } = JSON.parse(jobData) as { trace: TraceCarrier };
    const { span, traceparent } = telemetry.startAttemptSpan(trace, {
      ...message,
      webhookId: 'crm',
      attempt: number,
    })!;
    const response = await request(webhook.url, { method: 'POST', headers: { traceparent } });
    await response.body.dump();
    const ok = response.statusCode < 300;
    telemetry.endSpan(span, {
      outcome: ok ? 'delivered' : 'retry',
      httpStatus: response.statusCode,
      failed: !ok,
    });
  }

  // Attempt 1 fails.
  await attempt(ingestTelemetry, 1);
  await ingestTelemetry.shutdown();

  // Attempt 2 in another process lifetime (a retry hours later, after a restart): only the job data carries the trace.
  const deliveryTelemetry = await createTelemetry({ env });
  await attempt(deliveryTelemetry, 2);
  await deliveryTelemetry.shutdown();

  // shutdown() resolves after the export was answered: every span is at the receiver now.
  assert.ok(
    otlp.contentTypes.every((c) => c.startsWith('application/json')),
    otlp.contentTypes.join(),
  );
  const ingestSpan = otlp.spans.find((s) => s.kind === SPAN_KIND.consumer);
  const attempts = otlp.spans.filter((s) => s.kind === SPAN_KIND.client);
  const child = otlp.spans.find((s) => s.name === 'redis write');
  assert.ok(ingestSpan && child, JSON.stringify(otlp.spans));
  assert.equal(otlp.spans.length, 4);
  assert.equal(attempts.length, 2);
  assert.ok(otlp.spans.every((s) => s.traceId === ingestSpan.traceId && s.serviceName === 'fb-test'));
  assert.equal(ingestSpan.parentSpanId, '');
  assert.equal(child.parentSpanId, ingestSpan.spanId);
  assert.equal(child.kind, SPAN_KIND.internal);
  assert.deepEqual(
    attempts.map((a) => a.parentSpanId),
    [ingestSpan.spanId, ingestSpan.spanId],
  );
  assert.deepEqual(ingestSpan.attributes, {
    'flup.flight': 'LH400',
    'flup.event.type': 'flight.departed',
    'flup.message.id': 'msg_1',
    'flup.outcome': 'queued',
  });

  // Each request's traceparent names its own attempt span, in the message's trace, sampled.
  assert.equal(webhook.traceparents.length, 2);
  for (const [index, header] of webhook.traceparents.entries()) {
    const [, traceId, spanId, flags] = header.split('-');
    const attempt = attempts.find((a) => a.spanId === spanId);
    assert.ok(attempt, `request ${index + 1}: ${header} names no attempt span`);
    assert.equal(traceId, ingestSpan.traceId);
    assert.equal(flags, '01');
    assert.equal(attempt.attributes['flup.delivery.attempt'], index + 1);
    assert.equal(attempt.attributes['flup.webhook.id'], 'crm');
    assert.equal(attempt.attributes['flup.flight'], 'LH400');
    assert.equal(attempt.attributes['flup.event.type'], 'flight.departed');
    assert.equal(attempt.attributes['http.response.status_code'], index === 0 ? 503 : 204);
    assert.equal(attempt.attributes['flup.outcome'], index === 0 ? 'retry' : 'delivered');
    assert.equal(attempt.statusCode === STATUS_ERROR, index === 0);
  }
  assert.notEqual(webhook.traceparents[0], webhook.traceparents[1]);
});

test('an attempt without a stored carrier (an older job) starts its own trace', async (t) => {
  const otlp = await OtlpReceiver.start();
  t.after(() => otlp.close());
  const telemetry = await createTelemetry({
    env: {},
    config: { enabled: true, endpoint: `${otlp.endpoint}/` },
  });
  const attempt = telemetry.startAttemptSpan(undefined, { webhookId: 'crm', attempt: 3 })!;
  const foreign = telemetry.startAttemptSpan(
    { traceparent: 'not-a-traceparent' },
    { webhookId: 'crm', attempt: 1 },
  )!;
  telemetry.endSpan(attempt.span, { outcome: 'dead', error: new Error('secret-token in the message') });
  telemetry.endSpan(foreign.span);
  await telemetry.shutdown();
  assert.equal(otlp.spans.length, 2);
  assert.ok(otlp.spans.every((s) => s.parentSpanId === ''));
  assert.notEqual(otlp.spans[0]!.traceId, otlp.spans[1]!.traceId);
  assert.equal(
    attempt.traceparent.split('-')[2],
    otlp.spans.find((s) => s.statusCode === STATUS_ERROR)?.spanId,
  );
});

test('a sampler that drops the trace exports nothing yet still propagates an unsampled traceparent', async (t) => {
  const otlp = await OtlpReceiver.start();
  t.after(() => otlp.close());
  const telemetry = await createTelemetry({
    env: { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint },
    config: { sampler: 'parentbased_traceidratio', samplerArg: 0 },
  });
  const ingest = telemetry.startIngestSpan({ flight: 'LH1' });
  const carrier = telemetry.contextToCarrier(ingest)!;
  telemetry.endSpan(ingest);
  const attempt = telemetry.startAttemptSpan(carrier, { webhookId: 'a', attempt: 1 })!;
  telemetry.endSpan(attempt.span, { outcome: 'delivered', httpStatus: 200 });
  await telemetry.shutdown();
  assert.equal(otlp.spans.length, 0);
  assert.match(carrier.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  assert.equal(attempt.traceparent.split('-')[1], carrier.traceparent.split('-')[1]);
});

test('off by default: the facade creates nothing', async () => {
  for (const env of [{}, { OTEL_TRACES_EXPORTER: 'none' }, { OTEL_TRACES_EXPORTER: 'otlp' }]) {
    const telemetry = await createTelemetry({
      env,
      config: env.OTEL_TRACES_EXPORTER === 'otlp' ? { enabled: false } : undefined,
    });
    assert.equal(telemetry, telemetryOff);
    assert.equal(telemetry.startIngestSpan({ flight: 'LH1' }), undefined);
    assert.equal(telemetry.contextToCarrier(undefined), undefined);
    assert.equal(telemetry.startAttemptSpan(undefined, { webhookId: 'a', attempt: 1 }), undefined);
    await telemetry.shutdown();
  }
});
