/**
 * Issue 18 item 13: the dashboard runs under a strict CSP with its script served as a file, and
 * the admin server refuses a Host it does not answer to (DNS rebinding), on every route, while
 * probes and scrapes by IP address keep working.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { AdminServer } from '../../src/admin/index.js';
import type { AppDeps } from '../../src/app.js';
import { hostChecker } from '../../src/admin/host-guard.js';
import { adminConfig, StubDeadLetters, StubIngest, StubWebhooks, testDeps } from './stubs.js';

/** GET with an explicit Host header (fetch cannot set one). */
function getWithHost(url: string, host: string | undefined) {
  const target = new URL(url);
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          headers: host === undefined ? {} : { host },
          setHost: host !== undefined,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        },
      );
      req.on('error', reject);
      req.end();
    },
  );
}

describe('dashboard and admin hardening', () => {
  let deps: AppDeps;
  let server: AdminServer;

  before(async () => {
    deps = testDeps(adminConfig({ 'admin.allowedHosts': ['bridge.ops.internal', '.svc.cluster.local'] }));
    server = new AdminServer({
      deps,
      sources: {
        webhooks: new StubWebhooks(['ops']),
        deadLetters: new StubDeadLetters(),
        ingest: new StubIngest(),
      },
    });
    await server.start();
  });
  after(async () => {
    await server.stop();
    deps.redis.disconnect();
  });

  it('serves the page without inline script or style under a strict CSP that forbids framing', async () => {
    const page = await fetch(`${server.url}/`);
    const html = await page.text();
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /default-src 'none'/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.doesNotMatch(html, /<script>|<script [^>]*>[^<]+<\/script>/, 'no inline script');
    assert.doesNotMatch(html, /<style|style=/, 'no inline style');
    assert.match(html, /<script src="\/dashboard\.js"><\/script>/);

    const script = await fetch(`${server.url}/dashboard.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(await script.text(), /sessionStorage/);
    const style = await fetch(`${server.url}/dashboard.css`);
    assert.match(style.headers.get('content-type') ?? '', /^text\/css/);
  });

  it('refuses a rebound host name on every route, the unauthenticated ones included', async () => {
    const port = new URL(server.url!).port;
    for (const path of ['/', '/dashboard.js', '/healthz', '/readyz', '/metrics', '/api/webhooks']) {
      for (const host of [
        `evil.example:${port}`,
        'evil.example',
        `bridge.ops.internal.evil.example:${port}`,
      ]) {
        const res = await getWithHost(`${server.url}${path}`, host);
        assert.equal(res.status, 403, `${path} with Host ${host}`);
        assert.match(res.body, /admin\.allowedHosts/);
        assert.doesNotMatch(res.body, /flup_|sessionStorage/, 'nothing of the answer leaks');
      }
    }
  });

  it('answers probes by IP address, localhost (any port) and configured names', async () => {
    const port = new URL(server.url!).port;
    const hosts = [
      `127.0.0.1:${port}`,
      `10.42.0.17:${port}`, // a pod IP, as kubelet probes and Prometheus send it
      '[fd00::17]:9464',
      `localhost:8080`, // kubectl port-forward
      `bridge.ops.internal:${port}`,
      `BRIDGE.ops.internal`,
      `flup.ops.svc.cluster.local:${port}`,
    ];
    for (const host of hosts) {
      for (const path of ['/healthz', '/metrics']) {
        const res = await getWithHost(`${server.url}${path}`, host);
        assert.equal(res.status, 200, `${path} with Host ${host}`);
      }
    }
  });

  it('hostChecker: listen host, exact names, domains, "*"', () => {
    const check = hostChecker('bridge.local', ['a.example', '.corp.example']);
    assert.equal(check('bridge.local:9464'), true);
    assert.equal(check('a.example'), true);
    assert.equal(check('x.a.example'), false);
    assert.equal(check('corp.example'), true);
    assert.equal(check('deep.x.corp.example.'), true);
    assert.equal(check('evilcorp.example'), false);
    assert.equal(check(undefined), false);
    assert.equal(check(''), false);
    assert.equal(hostChecker('127.0.0.1', ['*'])('anything.example'), true);
  });
});
