/**
 * 7. Bad configuration and bad credentials. A bad configuration must end the process at once with
 * exit code 78 and one clear line per problem (no stack trace). Bad credentials are a runtime
 * failure: the bridge stays up, says what is wrong in its log, retries, and never prints the secret.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { LufthansaApiSim } from '../../../src/sim/index.js';
import { freePort, ManagedServer, startRedis } from '../../helpers/servers.js';
import { BridgeProcess, runCli } from '../bridge-process.js';
import { PREFIX, WEBHOOK_SECRET, type ScenarioResult } from '../harness.js';
import type { Scenario } from '../scenario.js';

export const EX_CONFIG = 78;

type Doc = Record<string, unknown>;

/** A valid configuration (nothing needs to run for `config` errors to show). */
function baseConfig(): Doc {
  return {
    redis: { url: 'redis://127.0.0.1:6379', prefix: PREFIX },
    source: {
      kind: 'mqtt',
      mqtt: { url: 'mqtt://127.0.0.1:1883', clientId: 'flup-chaos-cfg', topics: ['#'], qos: 1 },
    },
    webhooks: [{ id: 'a', url: 'http://127.0.0.1:9/hook', secret: WEBHOOK_SECRET, topics: ['#'] }],
    admin: { listen: 'off' },
    log: { level: 'warn', format: 'json' },
  };
}

function withWebhook(change: Doc): Doc {
  const doc = baseConfig();
  doc.webhooks = [{ ...(doc.webhooks as Doc[])[0], ...change }];
  return doc;
}

export interface ConfigCase {
  name: string;
  /** File text, or a document to stringify; undefined = no file at all. */
  file?: string | Doc;
  /** A word the error line must contain (the key or the problem). */
  mentions: string;
}

export const CONFIG_CASES: ConfigCase[] = [
  { name: 'file does not exist', mentions: 'not found' },
  {
    name: 'YAML syntax error',
    file: 'webhooks: [ { id: a, url: "http://x\nredis: {',
    mentions: 'YAML syntax error',
  },
  { name: 'unknown key', file: { ...baseConfig(), redsi: { url: 'redis://x' } }, mentions: 'redsi' },
  {
    name: 'webhook secret not whsec_',
    file: withWebhook({ secret: 'hunter2-not-a-secret' }),
    mentions: 'secret',
  },
  { name: 'webhook url not a URL', file: withWebhook({ url: 'not a url' }), mentions: 'url' },
  { name: 'duration with a bad unit', file: withWebhook({ timeout: '5 parsecs' }), mentions: 'timeout' },
  { name: 'unknown source kind', file: { ...baseConfig(), source: { kind: 'kafka' } }, mentions: 'kind' },
  {
    name: 'duplicate webhook ids',
    file: {
      ...baseConfig(),
      webhooks: [(baseConfig().webhooks as Doc[])[0], (baseConfig().webhooks as Doc[])[0]],
    },
    mentions: 'a',
  },
  {
    name: 'wrong type (concurrency: many)',
    file: withWebhook({ concurrency: 'many' }),
    mentions: 'concurrency',
  },
  {
    name: 'redis url with http://',
    file: { ...baseConfig(), redis: { url: 'http://127.0.0.1:6379' } },
    mentions: 'redis',
  },
  {
    name: 'admin.listen without a port',
    file: { ...baseConfig(), admin: { listen: 'nowhere' } },
    mentions: 'listen',
  },
  { name: 'topic filter with # in the middle', file: withWebhook({ topics: ['a/#/b'] }), mentions: 'topics' },
  {
    name: 'lufthansa source without client secret',
    file: { ...baseConfig(), source: { kind: 'lufthansa', lufthansa: { clientKey: 'k' } } },
    mentions: 'clientSecret',
  },
  { name: 'config is a YAML list', file: '- a\n- b\n', mentions: '' },
];

export interface CaseOutcome {
  name: string;
  ok: boolean;
  exit: string;
  firstLine: string;
  problem?: string;
}

export async function runConfigCase(dir: string, testCase: ConfigCase, index: number): Promise<CaseOutcome> {
  const path = join(dir, `case-${index}.yaml`);
  if (testCase.file !== undefined) {
    writeFileSync(path, typeof testCase.file === 'string' ? testCase.file : stringify(testCase.file));
  }
  const result = await runCli(['run', '--config', path], 60_000);
  const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
  const firstLine = lines[0] ?? '';
  const exit = result.timedOut ? 'still running after 60 s' : `exit ${result.code ?? result.signal}`;
  let problem: string | undefined;
  if (result.timedOut) problem = 'did not exit';
  else if (result.code !== EX_CONFIG) problem = `exit code ${result.code}, expected ${EX_CONFIG}`;
  else if (lines.length === 0) problem = 'no message on stderr';
  else if (lines.some((l) => /^\s+at /.test(l))) problem = 'stack trace on stderr';
  else if (!lines.every((l) => l.startsWith('config error: ')))
    problem = `unexpected stderr line: ${lines.find((l) => !l.startsWith('config error: '))}`;
  else if (!lines.some((l) => l.toLowerCase().includes(testCase.mentions.toLowerCase()))) {
    problem = `no line mentions "${testCase.mentions}"`;
  } else if (result.stderr.includes('hunter2')) problem = 'the bad secret was printed';
  return { name: testCase.name, ok: !problem, exit, firstLine, ...(problem ? { problem } : {}) };
}

/** Observes a bridge with bad credentials for `observeMs`; it must stay up, log, retry, not leak. */
async function observeCredentialFailure(
  name: string,
  bridge: BridgeProcess,
  secret: string,
  observeMs: number,
  retries: () => number,
  mentions: RegExp,
): Promise<CaseOutcome> {
  bridge.start();
  await sleep(observeMs);
  const running = bridge.running;
  await bridge.stop('SIGTERM');
  const lines = [...bridge.logs.map((l) => JSON.stringify(l)), ...bridge.rawLines];
  const complaints = bridge.logs.filter((l) => (l.level ?? 0) >= 40 && mentions.test(JSON.stringify(l)));
  let problem: string | undefined;
  if (!running) problem = `exited: ${bridge.crashes.at(-1)?.stderrTail.slice(-300)}`;
  else if (complaints.length === 0) problem = `no warn/error log line matching ${mentions}`;
  else if (retries() < 2) problem = `tried only ${retries()} time(s) in ${observeMs / 1000} s`;
  else if (lines.some((l) => l.includes(secret))) problem = 'the secret appears in the output';
  const first = complaints[0];
  return {
    name,
    ok: !problem,
    exit: running ? `running, ${retries()} attempts in ${observeMs / 1000} s` : 'exited',
    firstLine: first
      ? `${String(first.msg ?? '')}${first.err ? `: ${JSON.stringify(first.err).slice(0, 160)}` : ''}`
      : '',
    ...(problem ? { problem } : {}),
  };
}

async function wrongLufthansaSecret(dir: string): Promise<CaseOutcome> {
  const secret = 'wrong-secret-9f3c1d';
  const api = new LufthansaApiSim({ apps: [{ key: 'chaos-key', secret: 'the-right-secret' }] });
  await api.start();
  const redis = await startRedis({ aof: true });
  const adminPort = await freePort();
  const path = join(dir, 'lh-wrong-secret.yaml');
  writeFileSync(
    path,
    stringify({
      ...baseConfig(),
      redis: { url: redis.url, prefix: PREFIX },
      source: {
        kind: 'lufthansa',
        lufthansa: {
          apiBase: api.url,
          clientKey: 'chaos-key',
          clientSecret: secret,
          broker: { host: '127.0.0.1', port: 1, tls: false },
        },
      },
      admin: { listen: `127.0.0.1:${adminPort}` },
    }),
  );
  const bridge = new BridgeProcess('lh-wrong-secret', path, adminPort);
  try {
    return await observeCredentialFailure(
      'Lufthansa source, wrong client secret (token endpoint 401)',
      bridge,
      secret,
      20_000,
      () => api.calls.token,
      /401|invalid_client|credential|token|secret/i,
    );
  } finally {
    await bridge.stop('SIGKILL');
    await api.stop();
    await redis.dispose();
  }
}

async function startMosquittoWithPassword(
  user: string,
  password: string,
): Promise<ManagedServer & { url: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'flup-mosquitto-auth-'));
  // Readable by the unprivileged user mosquitto switches to when started as root.
  chmodSync(dir, 0o755);
  const passwd = join(dir, 'passwd');
  writeFileSync(passwd, '', { mode: 0o644 });
  spawnSync('mosquitto_passwd', ['-b', passwd, user, password]);
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${passwd}`, 'log_dest none'].join(
      '\n',
    ) + '\n',
  );
  const server = new ManagedServer('mosquitto', port, dir, () => ['mosquitto', ['-c', conf]]);
  await server.start();
  return Object.assign(server, { url: `mqtt://127.0.0.1:${port}` });
}

async function wrongMqttPassword(dir: string): Promise<CaseOutcome> {
  const secret = 'wrong-mqtt-password-77a1';
  const broker = await startMosquittoWithPassword('bridge', 'the-right-password');
  const redis = await startRedis({ aof: true });
  const adminPort = await freePort();
  const path = join(dir, 'mqtt-wrong-password.yaml');
  writeFileSync(
    path,
    stringify({
      ...baseConfig(),
      redis: { url: redis.url, prefix: PREFIX },
      source: {
        kind: 'mqtt',
        mqtt: {
          url: broker.url,
          clientId: 'flup-chaos-auth',
          username: 'bridge',
          password: secret,
          topics: ['#'],
          qos: 1,
        },
      },
      admin: { listen: `127.0.0.1:${adminPort}` },
    }),
  );
  const bridge = new BridgeProcess('mqtt-wrong-password', path, adminPort);
  const refusals = () =>
    bridge.logs.filter(
      (l) => (l.level ?? 0) >= 40 && /not authori|bad user|refused|password|auth/i.test(JSON.stringify(l)),
    ).length;
  try {
    return await observeCredentialFailure(
      'Generic MQTT source, wrong broker password (CONNACK refused)',
      bridge,
      secret,
      15_000,
      refusals,
      /not authori|bad user|refused|password|auth/i,
    );
  } finally {
    await bridge.stop('SIGKILL');
    await broker.dispose();
    await redis.dispose();
  }
}

/** Redis is not there when the bridge starts, and comes up 10 s later: the bridge must recover. */
async function redisLate(dir: string): Promise<CaseOutcome> {
  const name = 'Redis unreachable at start, up 10 s later';
  const redisPort = await freePort();
  const adminPort = await freePort();
  const path = join(dir, 'redis-late.yaml');
  writeFileSync(
    path,
    stringify({
      ...baseConfig(),
      redis: { url: `redis://127.0.0.1:${redisPort}`, prefix: PREFIX },
      admin: { listen: `127.0.0.1:${adminPort}` },
    }),
  );
  const bridge = new BridgeProcess('redis-late', path, adminPort);
  const redisDir = mkdtempSync(join(tmpdir(), 'flup-redis-late-'));
  const redis = new ManagedServer('redis-server', redisPort, redisDir, () => [
    'redis-server',
    [
      '--port',
      String(redisPort),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--dir',
      redisDir,
      '--appendonly',
      'yes',
    ],
  ]);
  try {
    bridge.start();
    await sleep(10_000);
    const upWhileDown = bridge.running;
    const exitLine = bridge.crashes.at(-1)?.stderrTail.trim().split('\n').at(-1) ?? '';
    if (!upWhileDown) bridge.start(); // a supervisor would restart it
    await redis.start();
    let problem: string | undefined;
    try {
      await bridge.waitReady(30_000);
    } catch (err) {
      problem = `not ready 30 s after Redis came up: ${(err as Error).message.slice(0, 300)}`;
    }
    if (!upWhileDown && !exitLine) problem ??= 'exited without a message while Redis was down';
    const complaint = bridge.logs.find(
      (l) => (l.level ?? 0) >= 40 && /redis|ECONNREFUSED/i.test(JSON.stringify(l)),
    );
    if (upWhileDown && !complaint) problem ??= 'stayed up but logged nothing about Redis';
    return {
      name,
      ok: !problem,
      exit: upWhileDown ? 'stayed up, ready once Redis came' : `exited while Redis was down: ${exitLine}`,
      firstLine: complaint ? String(complaint.msg ?? '') : exitLine,
      ...(problem ? { problem } : {}),
    };
  } finally {
    await bridge.stop('SIGKILL');
    await redis.dispose();
  }
}

export interface BadConfigReport extends ScenarioResult {
  cases: CaseOutcome[];
}

export async function runBadConfig(): Promise<BadConfigReport> {
  const dir = mkdtempSync(join(tmpdir(), 'flup-chaos-config-'));
  const cases: CaseOutcome[] = [];
  try {
    // Config cases are independent short processes: a few at a time (each loads the CLI).
    const outcomes: CaseOutcome[] = new Array<CaseOutcome>(CONFIG_CASES.length);
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < CONFIG_CASES.length; i = next++)
        outcomes[i] = await runConfigCase(dir, CONFIG_CASES[i]!, i);
    };
    await Promise.all([lane(), lane(), lane()]);
    cases.push(...outcomes);
    const runtimeCases: Array<[string, (dir: string) => Promise<CaseOutcome>]> = [
      ['Lufthansa source, wrong client secret', wrongLufthansaSecret],
      ['Generic MQTT source, wrong broker password', wrongMqttPassword],
      ['Redis unreachable at start', redisLate],
    ];
    for (const [name, run] of runtimeCases) {
      cases.push(
        await run(dir).catch((err: unknown) => ({
          name,
          ok: false,
          exit: 'harness error',
          firstLine: '',
          problem: (err as Error).message.slice(0, 300),
        })),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const failed = cases.filter((c) => !c.ok);
  return {
    id: '7-bad-config',
    title: `Bad configuration (${CONFIG_CASES.length} cases) and bad credentials (3 cases)`,
    messagesLabel: `${cases.length} cases`,
    published: 0,
    delivered: 0,
    duplicates: 0,
    lost: 0,
    deadLetters: 0,
    deadLetterReasons: {},
    drainMs: 0,
    misrouted: 0,
    crashes: 0,
    badSignatures: 0,
    notes: cases.map(
      (c) =>
        `${c.ok ? 'ok' : 'FAIL'} ${c.name}: ${c.exit}; ${c.firstLine}${c.problem ? ` (${c.problem})` : ''}`,
    ),
    failures: failed.map((c) => `${c.name}: ${c.problem}`),
    cases,
  };
}

export const badConfig: Scenario = {
  id: '7-bad-config',
  title: 'Bad configuration and bad credentials',
  estimateSeconds: 70,
  run: runBadConfig,
};
