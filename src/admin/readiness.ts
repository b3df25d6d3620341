/**
 * What /readyz checks. Ready = Redis answers PING and, on the ingest leader, the MQTT session is
 * up. Standby replicas and worker-only processes are ready without MQTT (they would not receive
 * traffic from it anyway). Tokens and credentials are reported but never make a process unready:
 * restarting it would not fix them, and deliveries wait for them on their own.
 */
import type { RedisClient } from '../redis/index.js';
import type { IngestStatus, StatusSources } from './status.js';

export interface CheckResult {
  ok: boolean;
  /** false: shown for information, does not decide readiness. */
  required: boolean;
  [detail: string]: unknown;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

const PING_TIMEOUT_MS = 1000;

export async function checkRedis(redis: RedisClient): Promise<CheckResult> {
  // A client that is reconnecting would queue the PING; answer at once instead.
  if (redis.status !== 'ready') return { ok: false, required: true, error: `connection is ${redis.status}` };
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no PING answer within ${PING_TIMEOUT_MS} ms`)),
        PING_TIMEOUT_MS,
      );
    });
    await Promise.race([redis.ping(), timeout]);
    return { ok: true, required: true, latencyMs: Date.now() - started };
  } catch (err) {
    return { ok: false, required: true, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export function checkMqtt(sources: StatusSources): CheckResult {
  if (!sources.ingest) return { ok: true, required: false, detail: 'no ingest in this process' };
  const status = sources.ingest.status();
  const base = {
    role: status.role,
    connected: status.connected,
    paused: status.paused,
    ...(status.pausedSince ? { pausedSince: status.pausedSince } : {}),
    ...(status.sessionsLost
      ? { sessionsLost: status.sessionsLost, lastSessionLostAt: status.lastSessionLostAt }
      : {}),
    ...(status.lock ? { lock: status.lock } : {}),
  };
  switch (status.role) {
    case 'leader':
      if (!status.connected)
        return { ok: false, required: true, ...base, error: 'leader without an MQTT session (reconnecting)' };
      if (status.writesFailing)
        return {
          ok: false,
          required: true,
          ...base,
          error: `Redis refuses ingest writes since ${status.pausedSince}: acks and reads held`,
        };
      return { ok: true, required: true, ...base };
    case 'standby': {
      const problem = standbyProblem(status.lock);
      return problem
        ? { ok: false, required: true, ...base, error: problem }
        : { ok: true, required: true, ...base, detail: 'standby: another replica holds the leader lock' };
    }
    default:
      return { ok: false, required: true, ...base, error: 'ingest is not running' };
  }
}

/**
 * A standby is useful only behind a live leader: the lock key was last read with a holder and a
 * lifetime not yet used up. When every lock attempt fails (MOVED, CROSSSLOT, READONLY, a Sentinel
 * port as redis.url) nobody ingests, and saying "ready" would hide it (issue 18 item 6).
 */
function standbyProblem(lock: IngestStatus['lock']): string | undefined {
  if (!lock) return 'standby without a leader lock reading yet';
  if (lock.error) return `standby: the leader lock cannot be read or taken (${lock.error})`;
  if (!lock.holder || lock.ttlMs === undefined) return 'standby: no replica holds the leader lock';
  if (lock.ageMs > lock.ttlMs)
    return `standby: the leader's lock was last seen ${lock.ageMs} ms ago and has expired since`;
  return undefined;
}

export function checkTokens(sources: StatusSources): CheckResult | undefined {
  if (!sources.tokens) return undefined;
  const tokens = sources.tokens.status();
  const loginRequired = tokens.filter((t) => t.state === 'login-required').map((t) => t.id);
  const failing = tokens.filter((t) => t.state === 'error').map((t) => ({ id: t.id, error: t.error }));
  return {
    ok: loginRequired.length === 0 && failing.length === 0,
    required: false,
    loginRequired,
    failing,
    ...(loginRequired.length > 0 ? { hint: `run: flup-bridge auth login ${loginRequired[0]}` } : {}),
  };
}

export function checkCredentials(sources: StatusSources): CheckResult | undefined {
  if (!sources.credentials) return undefined;
  const status = sources.credentials.status();
  if (!status) return { ok: false, required: false, detail: 'no broker credentials fetched yet' };
  return {
    ok: !status.lastError,
    required: false,
    clientId: status.clientId,
    expiresAt: status.expiresAt,
    ...(status.lastError ? { error: status.lastError } : {}),
  };
}

export async function readiness(redis: RedisClient, sources: StatusSources): Promise<Readiness> {
  const checks: Record<string, CheckResult> = { redis: await checkRedis(redis), mqtt: checkMqtt(sources) };
  const tokens = checkTokens(sources);
  if (tokens) checks.tokens = tokens;
  const credentials = checkCredentials(sources);
  if (credentials) checks.credentials = credentials;
  const ready = Object.values(checks).every((c) => c.ok || !c.required);
  return { ready, checks };
}
