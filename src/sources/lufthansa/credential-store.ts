/**
 * Where the Certificate Manager's answer lives: one Redis key per configured clientId, shared by
 * every replica and surviving restarts (every new answer is a new clientID and so a new broker
 * session, so the bridge asks only when renewal is due).
 */
import { type RedisClient, RedisKeys } from '../../redis/index.js';
import { AuthError, errorMessage } from '../../auth/index.js';
import type { BrokerCredentials } from '../types.js';

interface StoredCredentials {
  clientId: string;
  endpoint: string;
  jwt: string;
  expiresAt?: number;
  issuedAt?: number;
  /** When this bridge received the answer (ms). */
  fetchedAt: number;
}

export interface KeptCredentials {
  credentials: BrokerCredentials;
  fetchedAt: number;
}

export function credentialKey(prefix: string, requestedClientId: string): string {
  return new RedisKeys(prefix).lufthansaCredentials(requestedClientId);
}

export class CredentialStore {
  constructor(
    private readonly redis: RedisClient,
    readonly key: string,
  ) {}

  /** read(), a Redis failure as a retryable AuthError naming the key. */
  async load(): Promise<KeptCredentials | undefined> {
    try {
      return await this.read();
    } catch (err) {
      throw new AuthError(`cannot read broker credentials from Redis key ${this.key}: ${errorMessage(err)}`, {
        retryable: true,
        cause: err,
      });
    }
  }

  async read(): Promise<KeptCredentials | undefined> {
    const raw = await this.redis.get(this.key);
    if (!raw) return undefined;
    let stored: StoredCredentials;
    try {
      stored = JSON.parse(raw) as StoredCredentials;
    } catch {
      return undefined;
    }
    if (typeof stored.clientId !== 'string' || typeof stored.jwt !== 'string') return undefined;
    return {
      fetchedAt: stored.fetchedAt,
      credentials: {
        clientId: stored.clientId,
        username: stored.clientId,
        password: stored.jwt,
        endpoint: stored.endpoint,
        expiresAt: stored.expiresAt === undefined ? undefined : new Date(stored.expiresAt),
        issuedAt: stored.issuedAt === undefined ? undefined : new Date(stored.issuedAt),
      },
    };
  }

  async write(kept: KeptCredentials): Promise<void> {
    const c = kept.credentials;
    const stored: StoredCredentials = {
      clientId: c.clientId,
      endpoint: c.endpoint,
      jwt: c.password,
      expiresAt: c.expiresAt?.getTime(),
      issuedAt: c.issuedAt?.getTime(),
      fetchedAt: kept.fetchedAt,
    };
    await this.redis.set(this.key, JSON.stringify(stored));
  }
}

/** Past `exp` at `now` (credentials without `exp` never expire). */
export function isExpired(kept: KeptCredentials, now: number): boolean {
  const exp = kept.credentials.expiresAt?.getTime();
  return exp !== undefined && now >= exp;
}

/** When renewal is due: `renewBefore` ahead of exp, but never in the first half of the lifetime. */
export function renewAt(renewBefore: number, kept: KeptCredentials): number {
  const exp = kept.credentials.expiresAt?.getTime();
  if (exp === undefined) return Number.POSITIVE_INFINITY;
  const start = kept.credentials.issuedAt?.getTime() ?? kept.fetchedAt;
  return Math.max(exp - renewBefore, start + (exp - start) / 2);
}
