/**
 * Issue 18 item 10: the line that says the circuit opened names the last error, so an operator
 * sees why without digging: a refused connection, an HTTP status, or a timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, uniquePrefix, waitFor } from '../helpers/servers.js';
import { flightEvent, startBridge, startReceiver, testConfig, type Receiver } from './support.js';

/** Sends one message to a webhook at `url` and returns the "circuit opened" log record. */
async function openingLine(
  t: { after(fn: () => Promise<void>): void },
  url: string,
  extra: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const config = testConfig(uniquePrefix('breaker-reason'), [
    {
      id: 'down',
      url,
      retry: { attempts: 3, initialDelay: 50, maxDelay: 50 },
      breaker: { failureThreshold: 1, cooldown: 60_000, maxCooldown: 60_000 },
      ...extra,
    },
  ]);
  const bridge = await startBridge(config);
  t.after(() => bridge.stop());
  await bridge.producer.add('down', { event: flightEvent() });
  const opened = () => bridge.log.records().find((r) => String(r.msg).startsWith('circuit opened'));
  await waitFor(() => opened() !== undefined, 20_000, 'the breaker to open');
  return opened()!;
}

test('a breaker opened by refused connections names ECONNREFUSED', async (t) => {
  const port = await freePort(); // nothing listens there
  const line = await openingLine(t, `http://127.0.0.1:${port}/hook`);
  assert.match(String(line.lastError), /ECONNREFUSED/);
  assert.match(String(line.msg), /\(last error: .*ECONNREFUSED.*\)$/);
});

test('a breaker opened by error answers names the HTTP status', async (t) => {
  const receiver: Receiver = await startReceiver((_r, res) => {
    res.statusCode = 503;
    res.end('maintenance');
  });
  t.after(() => receiver.close());
  const line = await openingLine(t, receiver.url);
  assert.equal(line.lastError, 'HTTP 503');
  assert.match(String(line.msg), /\(last error: HTTP 503\)$/);
});

test('a breaker opened by an endpoint that does not answer names the timeout', async (t) => {
  // Accepts the request and never answers: each attempt ends at the webhook's timeout.
  const receiver: Receiver = await startReceiver(() => undefined);
  t.after(() => receiver.close());
  const line = await openingLine(t, receiver.url, { timeout: 300 });
  assert.match(String(line.lastError), /did not answer within 300 ms/);
  assert.match(String(line.msg), /\(last error: .*did not answer within 300 ms\)$/);
});
