/**
 * The Flight Status quota, shared by every process through Redis: a per-second and a per-hour
 * window (the API counts both). The second is taken first, so a call refused by it does not
 * spend a point of the scarcer hourly budget.
 */
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { type RedisClient, RedisKeys } from '../../redis/index.js';

export interface RateLimitOptions {
  redis: RedisClient;
  prefix: string;
  perSecond: number;
  perHour: number;
}

const KEY = 'flightstatus';

export class EnrichmentRateLimit {
  readonly #perSecond: RateLimiterRedis;
  readonly #perHour: RateLimiterRedis;

  constructor(options: RateLimitOptions) {
    const keys = new RedisKeys(options.prefix);
    const base = { storeClient: options.redis, rejectIfRedisNotReady: true };
    this.#perSecond = new RateLimiterRedis({
      ...base,
      keyPrefix: keys.enrichRate('s'),
      points: options.perSecond,
      duration: 1,
    });
    this.#perHour = new RateLimiterRedis({
      ...base,
      keyPrefix: keys.enrichRate('h'),
      points: options.perHour,
      duration: 3600,
    });
  }

  /** 0 when a call may go now, otherwise how long to wait before asking again. */
  async take(): Promise<number> {
    for (const limiter of [this.#perSecond, this.#perHour]) {
      try {
        await limiter.consume(KEY);
      } catch (err) {
        if (err instanceof RateLimiterRes) return Math.max(1, err.msBeforeNext);
        throw err;
      }
    }
    return 0;
  }
}
