/**
 * Per-endpoint state shared by every worker process through Redis: the circuit breaker and the
 * "disabled after 410 Gone" flag. Kept in Redis (not per process) so N worker processes open the
 * breaker after N×threshold failures no later than one would, send one probe between them, and
 * all stop for a disabled endpoint. Transitions are single Lua scripts, so concurrent workers
 * cannot both take the probe or lose a failure count.
 */
import { loadScript, type RedisClient, RedisKeys } from '../redis/index.js';
import type { BreakerConfig } from '../config/index.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export type Gate =
  { kind: 'go'; probe: boolean; failures: number } | { kind: 'wait'; ms: number } | { kind: 'disabled' };

export interface Transition {
  from: BreakerState;
  to: BreakerState;
  /** The cool-down that starts when the breaker opens. */
  cooldownMs: number;
}

export interface DisabledInfo {
  reason: string;
  at: string;
  status?: number;
}

const GATE_SCRIPT = loadScript('breaker-gate');
const RECORD_SCRIPT = loadScript('breaker-record');

/** Longest a waiting job sleeps while another worker's probe is in flight. */
const PROBE_RECHECK_MS = 500;

/**
 * How long this process trusts its last "closed, no failures" answer. Within it a healthy
 * endpoint costs no Redis round trip before or after a delivery (the hot path); a breaker opened
 * or a 410 seen by another process reaches this one at most this late.
 */
const HEALTHY_VIEW_MS = 250;

const HEALTHY: Gate = Object.freeze({ kind: 'go', probe: false, failures: 0 });

export class EndpointState {
  readonly #breakerKey: string;
  readonly #disabledKey: string;
  /** Until then the endpoint is known closed with no failures (see HEALTHY_VIEW_MS). */
  #healthyUntil = 0;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    readonly webhookId: string,
  ) {
    const keys = RedisKeys.for(redis, prefix);
    this.#breakerKey = keys.breaker(webhookId);
    this.#disabledKey = keys.disabled(webhookId);
  }

  /**
   * Before each delivery: disabled? breaker open? this job the probe? Answered at once (no
   * promise) while the endpoint is known healthy, the hot path; else by one Redis round trip.
   */
  gate(now: number, probeLeaseMs: number): Gate | Promise<Gate> {
    if (now < this.#healthyUntil) return HEALTHY;
    return this.#gateFromRedis(now, probeLeaseMs);
  }

  async #gateFromRedis(now: number, probeLeaseMs: number): Promise<Gate> {
    const [kind, value] = (await GATE_SCRIPT.run(
      this.redis,
      [this.#disabledKey, this.#breakerKey],
      [now, probeLeaseMs, PROBE_RECHECK_MS],
    )) as [string, number];
    if (kind === 'disabled') return { kind: 'disabled' };
    if (kind === 'wait') return { kind: 'wait', ms: Math.max(1, value) };
    if (kind === 'go' && value === 0) this.#healthyUntil = now + HEALTHY_VIEW_MS;
    return { kind: 'go', probe: kind === 'probe', failures: value };
  }

  async record(ok: boolean, now: number, breaker: BreakerConfig): Promise<Transition> {
    // A success while the endpoint is known healthy changes nothing in Redis.
    if (ok && now < this.#healthyUntil) return { from: 'closed', to: 'closed', cooldownMs: 0 };
    if (!ok) this.#healthyUntil = 0;
    const [from, to, cooldownMs] = (await RECORD_SCRIPT.run(
      this.redis,
      [this.#breakerKey],
      [now, ok ? 1 : 0, breaker.failureThreshold, breaker.cooldown, breaker.maxCooldown],
    )) as [BreakerState, BreakerState, number];
    return { from, to, cooldownMs };
  }

  /** The probe ended without an answer about the endpoint (deferred): let another job probe. */
  async releaseProbe(): Promise<void> {
    await this.redis.hset(this.#breakerKey, 'probeUntil', 0);
  }

  async breaker(now: number): Promise<BreakerState> {
    const [state, openUntil] = await this.redis.hmget(this.#breakerKey, 'state', 'openUntil');
    if (state === 'open' && Number(openUntil) <= now) return 'half-open';
    return (state as BreakerState | null) ?? 'closed';
  }

  async disable(info: DisabledInfo): Promise<void> {
    this.#healthyUntil = 0;
    const fields: Record<string, string> = { reason: info.reason, at: info.at };
    if (info.status !== undefined) fields.status = String(info.status);
    await this.redis.hset(this.#disabledKey, fields);
  }

  async enable(): Promise<boolean> {
    this.#healthyUntil = 0;
    return (await this.redis.del(this.#disabledKey)) > 0;
  }

  async disabled(): Promise<DisabledInfo | undefined> {
    const h = await this.redis.hgetall(this.#disabledKey);
    if (!h.reason) return undefined;
    return { reason: h.reason, at: h.at ?? '', ...(h.status ? { status: Number(h.status) } : {}) };
  }
}
