/**
 * `demo`: the whole path on one machine. Simulated Lufthansa API (token, Certificate Manager,
 * Flight Status) and broker, a publisher of flight updates, one signature-verifying receiver per
 * webhook printing each delivery, and the bridge itself with config/demo.yaml. Redis is REDIS_URL
 * or a throwaway redis-server. Ctrl-C stops everything it started, in reverse order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { App } from '../../app.js';
import { AdminServer } from '../../admin/index.js';
import { connectRedis, deleteByPrefix } from '../../redis/index.js';
import { LufthansaApiSim } from '../../sim/index.js';
import { LufthansaBrokerSim } from '../../sim/index.js';
import { FlightBoard } from '../../sim/index.js';
import { mountFlightStatus } from '../../sim/index.js';
import { FlightUpdatePublisher } from '../../sim/index.js';
import { WebhookReceiver } from '../../sim/index.js';
import { freePort, waitForPort } from '../../sim/index.js';
import { CliError, loadCommandConfig, type CommandContext } from '../context.js';
import { noExtraPositionals, parseCommandArgs } from '../args.js';

const DEMO_CONFIG = fileURLToPath(new URL('../../../config/demo.yaml', import.meta.url));
const PREFERRED_ADMIN_PORT = 9464;
const SUMMARY_EVERY_MS = 5000;
/** Longest a Ctrl-C may take: the bridge's delivery.shutdownTimeout (10 s) and some slack. */
const STOP_DEADLINE_MS = 20_000;

/** Something to undo on the way out, newest first. */
type Cleanup = { name: string; run: () => Promise<void> | void };

export async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(ctx, 'demo');
  noExtraPositionals('demo', positionals, 0);
  const rate = Number(values.rate ?? '3');
  const failRate = Number(values['fail-rate'] ?? '0');
  if (!(rate > 0 && rate <= 10_000)) throw new CliError('--rate must be messages per second, e.g. 3', 2);
  if (!(failRate >= 0 && failRate < 1))
    throw new CliError('--fail-rate must be a fraction from 0 to 0.99', 2);
  const file = values.config ?? DEMO_CONFIG;
  const say = (line: string) => ctx.stdout.write(line + '\n');

  const cleanups: Cleanup[] = [];
  const cleanUp = async () => {
    for (const { name, run } of cleanups.splice(0).reverse()) {
      try {
        await run();
      } catch (err) {
        ctx.stderr.write(`demo: stopping ${name} failed: ${(err as Error).message}\n`);
      }
    }
  };

  // Signals are handled from the start: a Ctrl-C while Redis is starting must not orphan it.
  let stopRequested!: () => void;
  const stopSignal = new Promise<void>((resolve) => (stopRequested = resolve));
  let signals = 0;
  let redisProcess: ChildProcess | undefined;
  // The throwaway Redis runs in its own process group (Ctrl-C must not kill it before the bridge
  // has stopped), so it is ended by PID on every way out, an unexpected exit included.
  const killRedis = () => {
    if (redisProcess?.exitCode === null && redisProcess.signalCode === null) redisProcess.kill('SIGKILL');
  };
  process.once('exit', killRedis);
  const onSignal = () => {
    signals += 1;
    if (signals === 1) {
      say('\nstopping the demo ... (Ctrl-C again to quit at once)');
      stopRequested();
      // A part that hangs must not keep the demo (and its Redis) alive.
      setTimeout(() => {
        ctx.stderr.write('demo: shutdown took too long, quitting\n');
        process.exit(1);
      }, STOP_DEADLINE_MS).unref();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const redis = await demoRedis(ctx.env, (child) => (redisProcess = child));
    cleanups.push({ name: 'redis', run: redis.stop });
    const prefix = `flup-demo-${randomBytes(4).toString('hex')}`;
    if (!redis.child) cleanups.push({ name: 'demo keys', run: () => deleteKeys(redis.url, prefix) });

    // The Lufthansa side: API (token, Certificate Manager, Flight Status) and broker.
    const api = new LufthansaApiSim();
    await api.start();
    cleanups.push({ name: 'Lufthansa API simulator', run: () => api.stop() });
    api.brokerEndpoint = '127.0.0.1';
    const board = new FlightBoard({ apiBase: api.url });
    mountFlightStatus(api, board);
    const broker = new LufthansaBrokerSim({
      verifyLogin: (user, password) => api.verifyBrokerLogin(user, password),
    });
    await broker.start();
    cleanups.push({ name: 'broker simulator', run: () => broker.stop() });

    // One receiver per configured webhook, verifying with the webhook's secrets.
    const webhooks = demoWebhooks(file);
    const receivers = new Map<string, WebhookReceiver>();
    const nameWidth = Math.max(10, ...webhooks.map((w) => w.id.length));
    for (const webhook of webhooks) {
      const receiver = new WebhookReceiver({
        secrets: webhook.secrets,
        print: say,
        name: webhook.id,
        nameWidth,
      });
      if (failRate > 0) {
        receiver.setResponse(() =>
          Math.random() < failRate ? { status: 503, body: 'simulated outage (--fail-rate)' } : 200,
        );
      }
      await receiver.start();
      cleanups.push({ name: `receiver ${webhook.id}`, run: () => receiver.stop() });
      receivers.set(webhook.id, receiver);
      webhook.raw.url = receiver.url + webhook.path;
    }

    const adminToken = randomBytes(18).toString('base64url');
    const config = loadCommandConfig(ctx, file, {
      'redis.url': redis.url,
      'redis.prefix': prefix,
      'source.lufthansa.apiBase': api.url,
      'source.lufthansa.broker.port': broker.port,
      'source.lufthansa.broker.tls': false,
      webhooks: webhooks.map((w) => w.raw),
      'admin.listen': `127.0.0.1:${(await isFree(PREFERRED_ADMIN_PORT)) ? PREFERRED_ADMIN_PORT : 0}`,
      'admin.token': adminToken,
    });

    const app = new App(config);
    cleanups.push({ name: 'bridge', run: () => app.stop() });
    await Promise.race([app.start(), stopSignal]);

    const publisher = new FlightUpdatePublisher({ target: broker, rate, next: () => board.randomUpdate() });
    const publishing = publisher.run().catch((err: unknown) => {
      ctx.stderr.write(`demo: publisher stopped: ${(err as Error).message}\n`);
      return 0;
    });
    cleanups.push({
      name: 'publisher',
      run: async () => {
        publisher.stop();
        await publishing;
      },
    });

    const admin = app.parts.find((p): p is AdminServer => p instanceof AdminServer);
    say('');
    say(
      `flup-bridge demo: ${rate} flight updates/s from the simulated Lufthansa broker -> Redis -> ${webhooks.length} webhooks`,
    );
    say(
      `  redis      ${redis.child ? `throwaway redis-server (pid ${redis.child.pid}) at ${redis.url}` : redis.url}`,
    );
    say(`  API sim    ${api.url}   broker sim ${broker.url}`);
    if (admin?.url) say(`  dashboard  ${admin.url}/#token=${adminToken}`);
    else if (app.parts.length === 0)
      say('  (the bridge has no parts wired in src/parts.ts yet: nothing will be delivered)');
    say('  Ctrl-C stops everything.');
    say('');

    const started = Date.now();
    const summary = setInterval(() => {
      void summaryLine(app, publisher, receivers, started).then(say, () => undefined);
    }, SUMMARY_EVERY_MS);
    cleanups.push({ name: 'summary', run: () => clearInterval(summary) });

    await stopSignal;
    return 0;
  } finally {
    await cleanUp();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', killRedis);
    // Whatever a part failed to close must not keep the demo alive after Ctrl-C.
    setTimeout(() => process.exit(process.exitCode ?? 0), 3000).unref();
  }
}

interface DemoWebhook {
  id: string;
  secrets: string[];
  /** The URL's path, kept when the receiver's address replaces host and port. */
  path: string;
  /** The YAML item, passed back to the config loader with the real URL. */
  raw: Record<string, unknown> & { url: string };
}

/** The webhooks of the demo file, read before the config so receivers can listen first. */
function demoWebhooks(file: string): DemoWebhook[] {
  // loadCommandConfig validates everything afterwards; here only the shape we need is read.
  const probe = loadCommandConfig(
    { argv: [], stdout: process.stdout, stderr: process.stderr, env: {} },
    file,
    {
      'source.lufthansa.clientKey': 'x',
      'source.lufthansa.clientSecret': 'x',
    },
  );
  return probe.webhooks.map((webhook) => {
    const url = new URL(webhook.url);
    return {
      id: webhook.id,
      secrets: webhook.secrets,
      path: url.pathname + url.search,
      raw: { ...rawWebhook(file, webhook.id), url: webhook.url },
    };
  });
}

function rawWebhook(file: string, id: string): Record<string, unknown> {
  const doc = parseYaml(readFileSync(file, 'utf8')) as { webhooks?: Array<Record<string, unknown>> };
  return doc.webhooks?.find((w) => w.id === id) ?? {};
}

async function summaryLine(
  app: App,
  publisher: FlightUpdatePublisher,
  receivers: Map<string, WebhookReceiver>,
  started: number,
): Promise<string> {
  const { metrics } = app.deps;
  const total = async (counter: { get(): Promise<{ values: Array<{ value: number }> }> }) =>
    (await counter.get()).values.reduce((sum, v) => sum + v.value, 0);
  const acked = await total(metrics.messagesAcked);
  const dead = await total(metrics.deadLetters);
  const retries = await total(metrics.retries);
  const delivered = [...receivers].map(([id, r]) => `${id} ${r.uniqueIds}`).join(', ');
  const duplicates = [...receivers.values()].reduce((sum, r) => sum + r.duplicates, 0);
  const seconds = Math.round((Date.now() - started) / 1000);
  return (
    `-- ${seconds}s: published ${publisher.published}, stored+acked ${acked}, delivered (unique) ${delivered}, ` +
    `retries ${retries}, dead letters ${dead}, duplicates ${duplicates}`
  );
}

interface DemoRedis {
  url: string;
  child?: ChildProcess;
  stop(): Promise<void>;
}

/** REDIS_URL, else a throwaway redis-server from PATH on a free port in a temporary directory. */
async function demoRedis(env: NodeJS.ProcessEnv, onSpawn: (child: ChildProcess) => void): Promise<DemoRedis> {
  if (env.REDIS_URL) return { url: env.REDIS_URL, stop: async () => undefined };
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'flup-demo-redis-'));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  const child = spawn('redis-server', args, { stdio: 'ignore', detached: true });
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  if (!spawned) {
    removeDir();
    throw new CliError(
      'no Redis: set REDIS_URL=redis://HOST:6379, or put redis-server on PATH (apt-get install redis-server, brew install redis, or docker run -p 6379:6379 redis:7) and run the demo again',
    );
  }
  onSpawn(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    removeDir();
  };
  try {
    await waitForPort(port, 10_000);
  } catch (err) {
    await stop();
    throw new CliError(`redis-server did not start: ${(err as Error).message}`);
  }
  return { url: `redis://127.0.0.1:${port}`, child, stop };
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = connectRedis(url, { name: 'demo-cleanup' });
  try {
    await deleteByPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
