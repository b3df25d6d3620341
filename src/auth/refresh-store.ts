/**
 * An oauth2-pkce provider's tokens in Redis: the refresh token from `flup-bridge auth login`, and
 * the latest access token so replicas share it instead of each spending the (rotating) refresh token.
 */
import { type RedisClient, RedisKeys } from '../redis/index.js';

export interface StoredTokens {
  refreshToken: string;
  accessToken?: string;
  tokenType?: string;
  issuedAt?: number;
  expiresAt?: number;
  scope?: string;
  updatedAt: number;
}

export function tokenKey(prefix: string, providerId: string): string {
  return new RedisKeys(prefix).tokens(providerId);
}

export class RefreshTokenStore {
  constructor(
    private readonly redis: RedisClient,
    readonly key: string,
  ) {}

  async read(): Promise<StoredTokens | undefined> {
    const raw = await this.redis.get(this.key);
    if (!raw) return undefined;
    try {
      const value = JSON.parse(raw) as StoredTokens;
      return typeof value.refreshToken === 'string' && value.refreshToken !== '' ? value : undefined;
    } catch {
      return undefined;
    }
  }

  async write(tokens: StoredTokens): Promise<void> {
    await this.redis.set(this.key, JSON.stringify(tokens));
  }

  async clear(): Promise<void> {
    await this.redis.del(this.key);
  }
}
