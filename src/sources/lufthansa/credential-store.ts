/**
 * Where the Certificate Manager's answer lives: one Redis key per configured clientId, shared by
 * every replica and surviving restarts (every new answer is a new clientID and so a new broker
 * session, so the bridge asks only when renewal is due).
 */
import { type RedisClient, RedisKeys } from '../../redis/index.js';
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
