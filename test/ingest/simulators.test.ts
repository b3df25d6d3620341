/** The broker simulator (logins, subscribe-only, QoS 0 option) and the notification publisher. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectAsync, type IPublishPacket } from 'mqtt';
import { LufthansaBrokerSim, type BrokerLoginResult } from '../../src/sim/broker.js';
import { FlightUpdatePublisher, randomNotification } from '../../src/sim/publisher.js';
import { waitFor } from '../helpers/servers.js';
import { parseFlightTopic, FLIGHT_EVENT_TYPES } from '../../src/sources/index.js';

const LOGINS: Record<string, BrokerLoginResult> = { good: 'ok', old: 'expired', wrong: 'bad-password' };
const verifyLogin = async (username: string, password: string): Promise<BrokerLoginResult> =>
  password === 'jwt' ? (LOGINS[username] ?? 'unknown-client') : 'bad-password';

async function refusal(
  url: string,
  clientId: string,
  username: string,
  password: string,
): Promise<number | undefined> {
  try {
    const client = await connectAsync(url, { clientId, username, password, reconnectPeriod: 0 });
    await client.endAsync();
    return 0;
  } catch (err) {
    return (err as { code?: number }).code;
  }
}

test('broker simulator: refuses bad logins with CONNACK 4/5, lets clients subscribe but not publish', async () => {
  const broker = new LufthansaBrokerSim({ verifyLogin });
  await broker.start();
  try {
    assert.equal(await refusal(broker.url, 'nobody', 'nobody', 'jwt'), 4, 'unknown clientID');
    assert.equal(await refusal(broker.url, 'good', 'good', 'nope'), 4, 'bad password');
    assert.equal(await refusal(broker.url, 'old', 'old', 'jwt'), 5, 'expired JWT');
    assert.equal(await refusal(broker.url, 'other', 'good', 'jwt'), 5, 'client id must equal the username');
    assert.equal(broker.stats.refused, 4);

    const client = await connectAsync(broker.url, {
      clientId: 'good',
      username: 'good',
      password: 'jwt',
      reconnectPeriod: 0,
    });
    const suback = await new Promise<number[]>((resolve) =>
      client.subscribe(['prd/FlightUpdate/#', 'elsewhere/#'], { qos: 1 }, (_err, _granted, packet) =>
        resolve((packet?.granted ?? []) as number[]),
      ),
    );
    assert.deepEqual(suback, [1, 128], 'topics outside prd/FlightUpdate/ are refused');
    const received: IPublishPacket[] = [];
    client.on('message', (_t, _p, packet) => received.push(packet));
    await broker.publish('prd/FlightUpdate/LH/LH400/2026-11-23', '{"a":1}');
    await waitFor(() => received.length === 1, 2000, 'delivery');
    assert.equal(received[0]!.qos, 1);

    // A client's publish is refused: it never reaches the subscriber.
    client.publish('prd/FlightUpdate/LH/LH401/2026-11-23', 'spoof', { qos: 0 });
    // The refusal ends the connection (aedes closes a client whose PUBLISH is not authorised);
    // an accepted publish would come back to this subscriber instead.
    await waitFor(() => !client.connected || received.length > 1, 5000, 'the publish refused');
    assert.equal(received.length, 1);
    client.end(true);
  } finally {
    await broker.stop();
  }
});

test('broker simulator with grantQos0: SUBACK grants 0 and deliveries are QoS 0', async () => {
  const broker = new LufthansaBrokerSim({ verifyLogin, grantQos0: true });
  await broker.start();
  try {
    const client = await connectAsync(broker.url, {
      clientId: 'good',
      username: 'good',
      password: 'jwt',
      reconnectPeriod: 0,
    });
    const granted = await client.subscribeAsync('prd/FlightUpdate/#', { qos: 1 });
    assert.deepEqual(
      granted.map((g) => g.qos),
      [0],
    );
    const received: IPublishPacket[] = [];
    client.on('message', (_t, _p, packet) => received.push(packet));
    await broker.publish('prd/FlightUpdate/LH/LH400/2026-11-23', '{"a":1}');
    await waitFor(() => received.length === 1, 2000, 'delivery');
    assert.equal(received[0]!.qos, 0);
    await client.endAsync();
  } finally {
    await broker.stop();
  }
});

test('notifications: the real topic structure and format, a realistic mix, distinct messages', async () => {
  const seen: Array<{ topic: string; payload: string }> = [];
  const target = {
    publish: async (topic: string, payload: string | Buffer) =>
      void seen.push({ topic, payload: String(payload) }),
  };
  const started = performance.now();
  const count = await new FlightUpdatePublisher({
    target,
    count: 600,
    rate: 1500,
    apiBase: 'http://127.0.0.1:1',
  }).run();
  assert.equal(count, 600);
  assert.ok(performance.now() - started >= 300, 'the rate paces the publishes');
  const carriers = new Set<string>();
  const codes = new Set<string>();
  for (const { topic, payload } of seen) {
    const flight = parseFlightTopic(topic);
    assert.ok(flight, topic);
    assert.match(topic, /^prd\/FlightUpdate\/(LH|LX|OS|SN|EW|4Y)\/\1\d+\/\d{4}-\d{2}-\d{2}$/);
    const body = JSON.parse(payload) as {
      Update: { Timestamp: string; Message: string; Code: string };
      Meta: { '@Version': string; Link: Array<Record<string, string>> };
    };
    assert.match(body.Update.Timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.ok(FLIGHT_EVENT_TYPES[body.Update.Code], body.Update.Code);
    assert.equal(body.Meta['@Version'], '1.0.0');
    assert.deepEqual(body.Meta.Link, [
      {
        '@Href': `http://127.0.0.1:1/v1/operations/flightstatus/${flight.carrier}${flight.flightNumber}/${flight.date}`,
        '@Rel': 'related',
      },
    ]);
    carriers.add(flight.carrier);
    codes.add(body.Update.Code);
  }
  assert.deepEqual([...carriers].sort(), ['4Y', 'EW', 'LH', 'LX', 'OS', 'SN']);
  assert.ok(codes.size >= 8, `codes: ${[...codes].join(', ')}`);
  assert.equal(
    new Set(seen.map((s) => `${s.topic}\n${s.payload}`)).size,
    600,
    'no two notifications are identical',
  );
  const one = randomNotification({ date: '2026-11-23', random: () => 0 });
  assert.equal(one.topic, 'prd/FlightUpdate/LH/LH400/2026-11-23');
});
