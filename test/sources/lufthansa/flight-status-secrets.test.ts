/**
 * Issue 18 items 2 and 12, against a fake Lufthansa API on loopback that behaves badly:
 *  - the token endpoint answers 500 echoing the posted form (client secret included) in
 *    error_description; the Flight Status resource answers 500 echoing the bearer token;
 *  - related links that climb out of the Flight Status resources (`..`, encoded dots) must never
 *    be fetched with the token.
 * flightStatusError (what receivers get) carries status and error code, never the vendor text,
 * and passes the secret scrub.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Agent } from 'undici';
import { Metrics, SecretRegistry, systemClock } from '../../../src/core/index.js';
import type { EnrichmentConfig, WebhookConfig } from '../../../src/config/index.js';
import { FlightStatusEnricher, LufthansaApiToken } from '../../../src/sources/index.js';
import { checkFlightStatusLink } from '../../../src/sources/lufthansa/flight-status-link.js';
import type { EventEnvelope } from '../../../src/queue/index.js';
import { captureLogger } from '../../helpers/logger.js';
import { SHARED_REDIS_URL, uniquePrefix } from '../../helpers/servers.js';

const CLIENT_SECRET = `s3"cr\\et+${randomUUID()}`;
const ACCESS_TOKEN = `at-${randomUUID()}`;
const ENRICHMENT: EnrichmentConfig = {
  cacheTtl: 60_000,
  ratePerSecond: 50,
  ratePerHour: 10_000,
  maxWait: 0,
  onError: 'deliver',
  timeout: 2000,
};
const WEBHOOK = { id: 'wh', enrich: ['flightStatus'] } as unknown as WebhookConfig;

function event(link: string): EventEnvelope {
  return {
    id: `m-${randomUUID()}`,
    type: 'flight.updated',
    topic: 'prd/FlightUpdate/LH/LH400/2026-11-23',
    receivedAt: new Date().toISOString(),
    data: { Meta: { Link: [{ '@Href': link, '@Rel': 'related' }] } },
    dataEncoding: 'json',
  };
}

interface FakeApi {
  url: string;
  requests: Array<{ method: string; url: string; authorization?: string }>;
  tokenFails: boolean;
  server: Server;
}

async function startFakeApi(): Promise<FakeApi> {
  const api: FakeApi = { url: '', requests: [], tokenFails: true, server: createServer() };
  api.server.on('request', (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      api.requests.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization });
      res.setHeader('content-type', 'application/json');
      if (req.url === '/v1/oauth/token') {
        if (api.tokenFails) {
          res.writeHead(500);
          // The echo the issue saw: the request, secret and all, in error_description.
          res.end(JSON.stringify({ error: 'server_error', error_description: `bad request: ${body}` }));
        } else {
          res.end(JSON.stringify({ access_token: ACCESS_TOKEN, expires_in: 3600 }));
        }
        return;
      }
      res.writeHead(500);
      res.end(`upstream failed for ${req.headers.authorization} ${'x'.repeat(400)}`);
    });
  });
  await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
  return api;
}

describe('Flight Status errors reaching receivers', () => {
  let api: FakeApi;
  let redis: Redis;
  let dispatcher: Agent;
  const prefixes: string[] = [];
  const secrets = new SecretRegistry();
  const { logger, lines } = captureLogger({ level: 'debug', secrets: () => secrets.values() });

  before(async () => {
    api = await startFakeApi();
    redis = new Redis(SHARED_REDIS_URL);
    dispatcher = new Agent();
    secrets.add(CLIENT_SECRET);
  });
  /** A fresh enricher (own prefix: a fault cached by an earlier test does not carry over). */
  function makeEnricher(): FlightStatusEnricher {
    const prefix = uniquePrefix('sec');
    prefixes.push(prefix);
    const token = new LufthansaApiToken({
      source: { apiBase: api.url, clientKey: 'demo-key', clientSecret: CLIENT_SECRET },
      logger,
      clock: systemClock,
      secrets,
      retry: { initialDelay: 1, maxDelay: 1, attempts: 1 },
    });
    return new FlightStatusEnricher({
      enrichment: ENRICHMENT,
      apiBase: api.url,
      redis,
      prefix,
      apiToken: token,
      logger,
      metrics: new Metrics({ defaultMetrics: false }),
      clock: systemClock,
      secrets,
      dispatcher,
    });
  }
  after(async () => {
    await dispatcher.close();
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
    }
    redis.disconnect();
    await new Promise<void>((resolve) => api.server.close(() => resolve()));
  });

  const forms = (secret: string) => [
    secret,
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
  ];

  it('a token endpoint echoing the client secret: status and code only, no secret', async () => {
    const out = await makeEnricher().enrich(
      event(`${api.url}/v1/operations/flightstatus/LH400/2026-11-23`),
      WEBHOOK,
      0,
    );
    const error = out.flightStatusError ?? '';
    assert.match(error, /500/);
    assert.match(error, /server_error/);
    assert.doesNotMatch(error, /bad request|client_id|grant_type/, `vendor text copied: ${error}`);
    for (const form of forms(CLIENT_SECRET)) assert.ok(!error.includes(form), error);
    for (const line of lines) for (const form of forms(CLIENT_SECRET)) assert.ok(!line.includes(form), line);
  });

  it('a Flight Status 500 echoing the bearer token: status only, no body text', async () => {
    api.tokenFails = false;
    const out = await makeEnricher().enrich(
      event(`${api.url}/v1/operations/flightstatus/LH401/2026-11-23`),
      WEBHOOK,
      0,
    );
    const error = out.flightStatusError ?? '';
    assert.match(error, /answered 500/);
    assert.ok(!error.includes(ACCESS_TOKEN), error);
    assert.doesNotMatch(error, /upstream failed|xxxx/, error);
  });

  it('fetches only Flight Status resources under apiBase with the token', async () => {
    api.tokenFails = false;
    const enricher = makeEnricher();
    const before = api.requests.length;
    const bad = [
      '/v1/operations/flightstatus/../../v1/oauth/token',
      '/v1/operations/flightstatus/%2e%2e/%2e%2e/v1/oauth/token',
      '/v1/operations/flightstatus/%2E%2E%2F%2E%2E/v1/oauth/token',
      '/v1/operations/flightstatus/LH400/..%2f..%2foauth',
      '/v1/operations/flightstatus/.%2e/x',
      '/v1/operations/flightstatus/LH400\\..\\..\\oauth',
      '/v1/operations/flightstatus//LH400/2026-11-23',
      '/v1/operations/flightstatus/',
      '/v1/oauth/token',
      '/v1/flightUpdate/credentials/JWT/x/y',
      '/v1/operations/flightstatusX/LH400',
      '/v1/operations/./flightstatus/LH400/2026-11-23',
    ];
    for (const path of bad) {
      const out = await enricher.enrich(event(`${api.url}${path}`), WEBHOOK, Date.now());
      assert.match(out.flightStatusError ?? '', /not fetched/, path);
      assert.equal(out.flightStatus, undefined, path);
    }
    const fetched = api.requests
      .slice(before)
      .filter((r) => r.url !== '/v1/oauth/token' || r.method !== 'POST');
    assert.deepEqual(fetched, [], 'no request with the token for a refused link');
    assert.ok(
      api.requests.every((r) => r.method === 'POST' || r.url.startsWith('/v1/operations/flightstatus/')),
      JSON.stringify(api.requests),
    );
  });

  it('checkFlightStatusLink accepts resource paths under an apiBase with a path', () => {
    const base = 'https://gw.example/lh/';
    assert.equal(
      checkFlightStatusLink('https://gw.example/lh/v1/operations/flightstatus/LH400/2026-11-23', base).kind,
      'ok',
    );
    assert.equal(
      checkFlightStatusLink(
        'https://gw.example/lh/v1/operations/flightstatus/arrivals/FRA/2026-11-23T08:00',
        base,
      ).kind,
      'ok',
    );
    assert.equal(
      checkFlightStatusLink('https://gw.example/v1/operations/flightstatus/LH400/2026-11-23', base).kind,
      'refused',
    );
    assert.equal(
      checkFlightStatusLink('https://other.example/lh/v1/operations/flightstatus/LH400/x', base).kind,
      'foreign',
    );
    assert.equal(
      checkFlightStatusLink('https://u:p@gw.example/lh/v1/operations/flightstatus/LH400/x', base).kind,
      'refused',
    );
  });
});
