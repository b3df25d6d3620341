/**
 * Micro-bench (issue 23): CPU per delivery request of the HTTP client (HttpClients.post) against a
 * plain HTTP server in another process, 10 requests in flight, ~1 KB bodies. Compares builds:
 * `npx tsx bench/micro-http-client.ts [distDir ...]` (default: this repo's dist). Each round of
 * each build runs in a process of its own (so one build's garbage is not collected on another's
 * time), the builds' rounds interleaved so machine load hits each alike. Prints the median client
 * CPU µs/request.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compareBuilds } from './lib/rounds.js';

const ROUNDS = 7;
const REQUESTS = 20_000;
const IN_FLIGHT = 10;

interface Client {
  post(
    webhook: unknown,
    request: { headers: Record<string, string>; body: string },
  ): Promise<{ status: number }>;
  close(): Promise<void>;
}

async function clientOf(dist: string, url: string): Promise<{ client: Client; webhook: unknown }> {
  const base = pathToFileURL(resolve(dist)).href;
  const { HttpClients } = (await import(`${base}/delivery/http.js`)) as {
    HttpClients: new (w: unknown[]) => Client;
  };
  const { loadConfig } = (await import(`${base}/config/index.js`)) as {
    loadConfig(o: object): { webhooks: unknown[] };
  };
  const config = loadConfig({
    env: {},
    overrides: {
      role: 'worker',
      'source.kind': 'mqtt',
      webhooks: [{ id: 'bench', url, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }],
    },
  });
  const webhook = config.webhooks[0];
  return { client: new HttpClients([webhook]), webhook };
}

const body = JSON.stringify({ id: 'msg_1', type: 'flight.departed', data: { text: 'x'.repeat(900) } });
const headers = {
  'content-type': 'application/json',
  'webhook-id': 'msg_1',
  'webhook-timestamp': '1700000000',
  'webhook-signature': `v1,${'a'.repeat(44)}`,
  'user-agent': 'flup-bridge/bench',
};

async function cpuPerRequest(
  { client, webhook }: { client: Client; webhook: unknown },
  n: number,
): Promise<number> {
  let next = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < n) {
        const response = await client.post(webhook, { headers, body });
        if (response.status !== 200) throw new Error(`status ${response.status}`);
      }
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

await compareBuilds({
  benchUrl: import.meta.url,
  rounds: ROUNDS,
  units: REQUESTS,
  warmUp: 5000,
  what: 'client CPU',
  unit: 'µs/request',
  prepare: async (dist, url) => {
    const client = await clientOf(dist, url);
    return { measure: (requests) => cpuPerRequest(client, requests), close: () => client.client.close() };
  },
});
