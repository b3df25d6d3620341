/** Builds the configured token providers for webhook targets, by id. */
import type { TokenProviderConfig } from '../../config/index.js';
import type { Logger, SecretRegistry } from '../../core/index.js';
import type { Metrics } from '../../core/index.js';
import type { Clock } from '../../core/index.js';
import type { RedisClient } from '../../redis/index.js';
import type { TokenProvider } from '../types.js';
import type { FetchLike } from '../http.js';
import { AerisTokenProvider } from './aeris.js';
import { ClientCredentialsProvider } from './client-credentials.js';
import { PkceTokenProvider } from './pkce.js';
import { StaticTokenProvider } from './static.js';

export { AerisTokenProvider } from './aeris.js';
export { ClientCredentialsProvider, basicAuthorization } from './client-credentials.js';
export { PkceTokenProvider } from './pkce.js';
export { StaticTokenProvider } from './static.js';

export interface TokenProvidersDeps {
  config: { tokenProviders: TokenProviderConfig[]; redis: { prefix: string } };
  logger: Logger;
  metrics?: Metrics;
  clock: Clock;
  secrets?: SecretRegistry;
  redis: RedisClient;
  fetch?: FetchLike;
}

export function createTokenProvider(config: TokenProviderConfig, deps: TokenProvidersDeps): TokenProvider {
  const common = {
    logger: deps.logger,
    metrics: deps.metrics,
    clock: deps.clock,
    secrets: deps.secrets,
    fetch: deps.fetch,
  };
  switch (config.kind) {
    case 'aeris':
      return new AerisTokenProvider(config, common);
    case 'oauth2-client-credentials':
      return new ClientCredentialsProvider(config, common);
    case 'oauth2-pkce':
      return new PkceTokenProvider(config, {
        ...common,
        redis: deps.redis,
        prefix: deps.config.redis.prefix,
      });
    case 'static':
      return new StaticTokenProvider(config, deps.secrets);
  }
}

/** Accepts AppDeps (structurally). */
export function createTokenProviders(deps: TokenProvidersDeps): Map<string, TokenProvider> {
  return new Map(deps.config.tokenProviders.map((c) => [c.id, createTokenProvider(c, deps)]));
}
