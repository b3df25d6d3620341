/**
 * System 1, the ceiling: mqtt.js → undici, no queue. Each message is acknowledged to the broker as
 * soon as it arrives (mqtt.js default) and POSTed as received to every target; nothing survives a
 * crash. Run as a child process: node direct.js '<json options>'.
 */
import mqtt from 'mqtt';
import { Pool } from 'undici';

interface Options {
  mqttUrl: string;
  clientId: string;
  topic: string;
  targets: string[];
  connections: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const pools = options.targets.map((url) => ({
  path: new URL(url).pathname,
  pool: new Pool(new URL(url).origin, { connections: options.connections }),
}));
let failures = 0;

const client = mqtt.connect(options.mqttUrl, { clientId: options.clientId, clean: true, protocolVersion: 4 });
client.on('connect', () => client.subscribe(options.topic, { qos: 1 }));
client.on('message', (_topic, payload) => {
  for (const { pool, path } of pools) {
    pool
      .request({ method: 'POST', path, body: payload, headers: { 'content-type': 'application/json' } })
      .then(
        (res) => {
          if (res.statusCode >= 300) failures += 1;
          return res.body.dump();
        },
        () => (failures += 1),
      );
  }
});

const shutdown = () => {
  if (failures) console.error(`direct: ${failures} failed requests`);
  client.end(true);
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
