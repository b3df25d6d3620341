import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reportAttempt, type AttemptReport } from '../../src/delivery/attempt-report.js';
import type { StoredJobData } from '../../src/delivery/failure.js';
import type { WebhookConfig } from '../../src/config/index.js';

const webhook = { id: 'ops', retry: { attempts: 3 } } as unknown as WebhookConfig;
const clock = { now: () => 1_000_250 };

function job(flight?: { carrier: string; flightNumber: string; date: string }): StoredJobData {
  return {
    event: {
      id: 'msg_1',
      type: 'flight.cancelled',
      topic: flight ? 'prd/FlightUpdate/LH/LH400/2026-12-02' : 'sensors/s1/reading',
      receivedAt: '2026-12-02T10:00:00.000Z',
      ...(flight ? { flight } : {}),
      data: {},
      dataEncoding: 'json',
    },
  };
}

function reportsOf(data: StoredJobData, outcome: Parameters<typeof reportAttempt>[2], attempt = 1) {
  const reports: AttemptReport[] = [];
  reportAttempt({ webhook, clock, onAttempt: (r) => reports.push(r) }, data, outcome, attempt, 1_000_000);
  return reports;
}

test('an attempt at a message of a flight is reported with its flight, status and duration', () => {
  const flight = { carrier: 'LH', flightNumber: '400', date: '2026-12-02' };
  assert.deepEqual(reportsOf(job(flight), { kind: 'delivered', status: 204 }), [
    {
      messageId: 'msg_1',
      flight,
      webhookId: 'ops',
      attempt: 1,
      at: 1_000_000,
      durationMs: 250,
      status: 204,
      outcome: 'delivered',
    },
  ]);
  const failure = { reason: 'network' as const, detail: 'ECONNREFUSED' };
  const [last] = reportsOf(job(flight), { kind: 'retry', failure }, 3);
  assert.equal(last?.outcome, 'dead-lettered', 'the last allowed attempt failing ends the message');
  assert.equal(last?.error, 'ECONNREFUSED');
});

test('attempts at messages without a flight, and waits that were no attempt, are not reported', () => {
  assert.deepEqual(reportsOf(job(), { kind: 'delivered', status: 200 }), []);
  const flight = { carrier: 'LH', flightNumber: '400', date: '2026-12-02' };
  assert.deepEqual(reportsOf(job(flight), { kind: 'wait', ms: 5000 }), []);
});
