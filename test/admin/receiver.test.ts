import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { WebhookReceiver, formatDelivery } from '../../src/sim/receiver.js';

const secret = () => `whsec_${randomBytes(24).toString('base64')}`;

async function send(url: string, signer: Webhook, id: string, body: unknown) {
  const payload = JSON.stringify(body);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers = {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': signer.sign(id, new Date(Number(timestamp) * 1000), payload),
  };
  return (await fetch(url, { method: 'POST', headers, body: payload })).status;
}

it('verifies signatures with any of its secrets, records deliveries and counts duplicates', async () => {
  const [a, b] = [secret(), secret()];
  const lines: string[] = [];
  const receiver = new WebhookReceiver({ secrets: [a, b], print: (l) => lines.push(l), name: 'hooks' });
  await receiver.start();
  try {
    const event = {
      type: 'flight.cancelled',
      flight: { carrier: 'LH', flightNumber: '400', date: '2026-11-23' },
    };
    assert.equal(await send(receiver.url, new Webhook(a), 'msg_1', event), 200);
    assert.equal(
      await send(receiver.url, new Webhook(b), 'msg_2', event),
      200,
      'the second secret verifies too',
    );
    assert.equal(
      await send(receiver.url, new Webhook(secret()), 'msg_3', event),
      401,
      'a foreign secret is refused',
    );
    assert.equal(receiver.rejected, 1);

    receiver.setResponse((d) => (d.id === 'msg_4' ? { status: 503, headers: { 'retry-after': '1' } } : 200));
    assert.equal(await send(receiver.url, new Webhook(a), 'msg_4', event), 503);
    assert.equal(await send(receiver.url, new Webhook(a), 'msg_1', event), 200);

    assert.equal(receiver.deliveries.length, 4);
    assert.equal(receiver.uniqueIds, 2, 'msg_1 and msg_2 accepted; msg_4 refused');
    assert.equal(receiver.duplicates, 1, 'msg_1 accepted twice');
    assert.equal(receiver.deliveries[0]!.type, 'flight.cancelled');
    assert.deepEqual(receiver.deliveries[0]!.json, event);
    assert.match(lines[0]!, /hooks\s+200\s+flight\.cancelled\s+LH400 2026-11-23/);
    assert.match(lines.at(-1)!, /DUPLICATE/);
    assert.match(
      formatDelivery({
        ...receiver.deliveries[0]!,
        type: '',
        json: {
          Update: { Message: 'Cancelled' },
          Meta: { Link: [{ '@Href': 'https://x/v1/operations/flightstatus/LH400/2026-11-23' }] },
        },
      }),
      /LH400 2026-11-23 Cancelled/,
    );
  } finally {
    await receiver.stop();
  }
});

it('printed lines keep the status column aligned for longer receiver names', () => {
  const delivery = {
    id: 'msg_1',
    type: 'flight.cancelled',
    body: '{}',
    json: { flight: { carrier: 'LH', flightNumber: '400', date: '2026-11-23' } },
    headers: {},
    path: '/',
    receivedAt: Date.parse('2026-11-23T10:00:00Z'),
    status: 200,
    duplicate: false,
  };
  const names = ['ops', 'disruptions', 'raw-archive-long'];
  const width = Math.max(...names.map((n) => n.length));
  const statusColumn = names.map((name) => formatDelivery(delivery, name, width).indexOf(' 200 '));
  assert.ok(statusColumn[0]! > 0);
  assert.deepEqual(
    statusColumn,
    names.map(() => statusColumn[0]),
    'the status starts in one column',
  );
  // Without a common width a long name pushes its status out of line (the bug this guards).
  assert.notEqual(
    formatDelivery(delivery, names[2]).indexOf(' 200 '),
    formatDelivery(delivery, 'ops').indexOf(' 200 '),
  );
});

it('the demo line shows the sequence and what changed: gate A12 → B20, ETD +30 min', () => {
  const delivery = {
    id: 'msg_1',
    type: 'flight.gate-changed',
    body: '',
    json: {
      flight: { carrier: 'LH', flightNumber: '400', date: '2026-11-23', sequence: 7 },
      changes: [
        { field: 'departure.gate', from: 'A12', to: 'B20' },
        {
          field: 'departure.estimatedTimeUtc',
          from: '2026-11-23T13:50Z',
          to: '2026-11-23T14:20Z',
          minutes: 30,
        },
      ],
    },
    headers: {},
    path: '/',
    receivedAt: Date.now(),
    status: 200,
    duplicate: false,
  };
  const line = formatDelivery(delivery, 'ops');
  assert.match(line, /LH400 2026-11-23 #7/);
  assert.match(line, /gate A12 → B20, ETD \+30 min/);
});
