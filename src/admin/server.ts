/**
 * The admin HTTP server on admin.listen: /healthz, /readyz, /metrics, the dashboard at / and the
 * admin API under /api. Start it first and stop it last (see parts.ts) so probes and metrics
 * answer for the whole life of the process, including the shutdown drain.
 */
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
} from 'fastify';
import { scrub, type AppDeps, type Part } from '../core/index.js';
import type { Logger } from '../core/index.js';
import { registerApi } from './api.js';
import { DASHBOARD_CSP, DASHBOARD_HTML, DASHBOARD_SCRIPT, DASHBOARD_STYLE } from './dashboard.js';
import { hostChecker, hostRefusal } from './host-guard.js';
import { readiness } from './readiness.js';
import { DeliveryStats } from './stats.js';
import type { QueueCounts, StatusSources } from './status.js';

export interface AdminServerOptions {
  deps: AppDeps;
  sources: StatusSources;
}

/** How often the dashboard's delivery-stat window takes a sample. */
const SAMPLE_INTERVAL_MS = 10_000;
/** /metrics does not wait longer than this for queue counts. */
const JOB_COUNTS_TIMEOUT_MS = 1000;

/** "127.0.0.1:9464" / "[::1]:9464" / "0.0.0.0:9464" → host and port. */
export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(listen.slice(i + 1)) };
}

export class AdminServer implements Part {
  readonly name = 'admin';
  readonly #deps: AppDeps;
  readonly #sources: StatusSources;
  readonly #log: Logger;
  readonly #stats: DeliveryStats;
  #app?: FastifyInstance;
  #sampler?: NodeJS.Timeout;
  #url?: string;

  constructor({ deps, sources }: AdminServerOptions) {
    this.#deps = deps;
    this.#sources = sources;
    this.#log = deps.logger.child({ module: 'admin' });
    this.#stats = new DeliveryStats(deps.metrics, deps.clock);
  }

  /** http://host:port once listening (the real port when admin.listen asked for :0). */
  get url(): string | undefined {
    return this.#url;
  }

  async start(): Promise<void> {
    const listen = this.#deps.config.admin.listen;
    if (listen === '') {
      this.#log.info('admin server off (admin.listen is "off"): no health, metrics or dashboard');
      return;
    }
    const app = this.#build();
    const { host, port } = parseListen(listen);
    try {
      await app.listen({ host, port });
    } catch (err) {
      await app.close();
      const code = (err as NodeJS.ErrnoException).code;
      const why =
        code === 'EADDRINUSE'
          ? 'the port is in use'
          : code === 'EADDRNOTAVAIL'
            ? 'no such local address'
            : code;
      throw new Error(`admin server cannot listen on ${listen} (admin.listen): ${why}`, { cause: err });
    }
    this.#app = app;
    const address = app.server.address();
    const boundPort = typeof address === 'object' && address ? address.port : port;
    this.#url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
    this.#sampler = setInterval(() => void this.#stats.sample().catch(() => undefined), SAMPLE_INTERVAL_MS);
    this.#sampler.unref();
    await this.#stats.sample();
    this.#log.info(
      { url: this.#url, api: this.#deps.config.admin.token ? 'on' : 'off (no admin.token)' },
      `admin server listening on ${this.#url}`,
    );
  }

  async stop(): Promise<void> {
    clearInterval(this.#sampler);
    const app = this.#app;
    this.#app = undefined;
    if (app) await app.close();
  }

  #build(): FastifyInstance {
    const deps = this.#deps;
    const app = Fastify({
      loggerInstance: this.#log as FastifyBaseLogger,
      // Probes and dashboard polls would flood the log at info; errors are still logged.
      logController: new LogController({ disableRequestLogging: true }),
    });

    // Answers (API, /readyz, /status) carry error texts from vendors and Redis: the same scrub as logs.
    app.addHook('onSend', async (_request, _reply, payload) =>
      typeof payload === 'string' ? scrub(payload, deps.secrets.values()) : payload,
    );

    // Before routing, so no route (probes, metrics, dashboard, API) answers a rebound name.
    const hostAllowed = hostChecker(
      parseListen(deps.config.admin.listen).host,
      deps.config.admin.allowedHosts,
    );
    app.addHook('onRequest', async (request, reply) => {
      if (!hostAllowed(request.headers.host)) {
        return reply.code(403).send({ error: hostRefusal(request.headers.host) });
      }
    });

    app.get('/healthz', async () => ({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) }));

    app.get('/readyz', async (_request, reply) => {
      const result = await readiness(deps.redis, this.#sources);
      return reply.code(result.ready ? 200 : 503).send(result);
    });

    app.get('/metrics', async (_request, reply) => {
      await this.#refreshJobGauge();
      const body = await deps.metrics.registry.metrics();
      return reply.type(deps.metrics.registry.contentType).send(body);
    });

    const page = (type: string, body: string) => async (_request: unknown, reply: FastifyReply) =>
      reply
        .type(type)
        .header('cache-control', 'no-store')
        .header('content-security-policy', DASHBOARD_CSP)
        .header('x-frame-options', 'DENY')
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .send(body);
    app.get('/', page('text/html; charset=utf-8', DASHBOARD_HTML));
    app.get('/dashboard.js', page('text/javascript; charset=utf-8', DASHBOARD_SCRIPT));
    app.get('/dashboard.css', page('text/css; charset=utf-8', DASHBOARD_STYLE));

    void app.register(
      (api, _opts, done) => {
        registerApi(api, { deps, sources: this.#sources, stats: this.#stats }).then(() => done(), done);
      },
      { prefix: '/api' },
    );
    return app;
  }

  /** flup_jobs{webhook,state} from the queues, when the counts come back quickly. */
  async #refreshJobGauge(): Promise<void> {
    const webhooks = this.#sources.webhooks;
    if (!webhooks) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      const list = await Promise.race([
        webhooks.list(),
        new Promise<undefined>(
          (resolve) => (timer = setTimeout(() => resolve(undefined), JOB_COUNTS_TIMEOUT_MS)),
        ),
      ]);
      for (const webhook of list ?? []) {
        for (const [state, count] of Object.entries(webhook.counts) as Array<[keyof QueueCounts, number]>) {
          this.#deps.metrics.jobs.set({ webhook: webhook.id, state }, count);
        }
      }
    } catch (err) {
      this.#log.debug({ err }, 'queue counts unavailable for /metrics');
    } finally {
      clearTimeout(timer);
    }
  }
}
