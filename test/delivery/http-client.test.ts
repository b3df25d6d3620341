/**
 * The delivery HTTP client against a real HTTP server: what a receiver's answer becomes (status,
 * the headers delivery acts on, the first maxResponseBytes of the body), an endless answer cut at
 * the drain limit, a trickling answer cut at the webhook timeout, a refused connection.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { loadConfig, type WebhookConfig } from '../../src/config/index.js';
import { HttpClients, NetworkError } from '../../src/delivery/http.js';
import { newSecret } from './support.js';

interface TestServer {
  url: string;
  /** Connections the server saw close. */
  closed: number;
  /** Requests the server received. */
  requests: number;
  /** Resolves when the server sees its first connection close. */
  firstClose: Promise<void>;
  close(): Promise<void>;
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const state = { closed: 0, requests: 0 };
  let onFirstClose!: () => void;
  const firstClose = new Promise<void>((resolve) => (onFirstClose = resolve));
  const server: Server = createServer((req, res) => {
    state.requests += 1;
    handler(req, res);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      state.closed += 1;
      onFirstClose();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get closed() {
      return state.closed;
    },
    get requests() {
      return state.requests;
    },
    firstClose,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function webhookFor(url: string, extra: Record<string, unknown> = {}): WebhookConfig {
  const config = loadConfig({
    env: {},
    overrides: {
      role: 'worker',
      'source.kind': 'mqtt',
      webhooks: [{ id: 'hook', url, secret: newSecret(), ...extra }],
    },
  });
  return config.webhooks[0]!;
}

/** A webhook on `url` and its HTTP client, closed when the test ends. */
function clientFor(
  t: TestContext,
  url: string,
  extra: Record<string, unknown> = {},
): { webhook: WebhookConfig; http: HttpClients } {
  const webhook = webhookFor(url, extra);
  const http = new HttpClients([webhook]);
  t.after(() => http.close());
  return { webhook, http };
}

const request = { headers: { 'content-type': 'application/json' }, body: '{"a":1}' };

/** The error `post` rejects with; fails the test if it resolves. */
function rejectionOf(post: Promise<unknown>, why: string): Promise<unknown> {
  return post.then(
    () => assert.fail(why),
    (err: unknown) => err,
  );
}

test('an answer gives its status, Retry-After and Location, and the first maxResponseBytes of its body', async (t) => {
  const server = await serve((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      res.writeHead(503, { 'retry-after': '7', location: '/elsewhere', 'content-type': 'text/plain' });
      res.end(`busy; you sent ${body}; ${'x'.repeat(100)}`);
    });
  });
  t.after(() => server.close());
  const { webhook, http } = clientFor(t, server.url, { maxResponseBytes: 24 });

  const response = await http.post(webhook, request);
  assert.equal(response.status, 503);
  assert.deepEqual(response.headers, { 'retry-after': '7', location: '/elsewhere' });
  assert.equal(response.body, 'busy; you sent {"a":1}; ', 'the first 24 bytes, the request body echoed');
  assert.ok(response.durationMs >= 0);

  // The drained answer left the connection reusable: a second request goes on it.
  const again = await http.post(webhook, request);
  assert.equal(again.status, 503);
  assert.equal(server.closed, 0, 'no connection was dropped');
});

test('an answer that never ends is cut past the drain limit: the kept bytes return, the socket goes', async (t) => {
  const chunk = 'y'.repeat(64 * 1024);
  const server = await serve((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      // Writes until the client hangs up (about 1 MiB is read, then the socket is dropped).
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => res.destroy());
      pump();
    });
  });
  t.after(() => server.close());
  const { webhook, http } = clientFor(t, server.url, { maxResponseBytes: 10 });

  const response = await http.post(webhook, request);
  assert.equal(response.status, 200);
  assert.equal(response.body, 'yyyyyyyyyy');
  await server.firstClose;

  // The pool opens a new connection for the next request, which is answered (and cut) the same way.
  const next = await http.post(webhook, request);
  assert.equal(next.status, 200);
  assert.equal(server.requests, 2);
});

test('an answer that trickles past the webhook timeout fails as a TIMEOUT network error', async (t) => {
  let trickle: NodeJS.Timeout | undefined;
  const server = await serve((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    // A byte every 50 ms: never idle long enough for the body timeout, only the whole deadline ends it.
    trickle = setInterval(() => res.write('.'), 50);
    res.on('close', () => clearInterval(trickle));
  });
  t.after(async () => {
    clearInterval(trickle);
    await server.close();
  });
  const { webhook, http } = clientFor(t, server.url, { timeout: '400ms' });

  const err = await rejectionOf(
    http.post(webhook, request),
    'a trickling answer must not count as delivered',
  );
  assert.ok(err instanceof NetworkError, String(err));
  assert.equal(err.code, 'TIMEOUT');
  assert.match(err.message, /did not answer within 400 ms/);
});

test('a refused connection fails as a network error naming the cause', async (t) => {
  const server = await serve(() => undefined);
  const url = server.url;
  await server.close();
  const { webhook, http } = clientFor(t, url);

  const err = await rejectionOf(http.post(webhook, request), 'nothing listens');
  assert.ok(err instanceof NetworkError, String(err));
  assert.equal(err.code, 'ECONNREFUSED');
  assert.match(err.message, /^request to http:\/\/127\.0\.0\.1:\d+ failed: .*\(ECONNREFUSED\)$/);
});
