/** Chooses and builds the auth pieces for the configured source, for the lead's wiring. */
import type { AppDeps, Part } from '../core/index.js';
import type { CredentialStatus } from '../admin/index.js';
import type { CredentialSource, TokenProvider } from './types.js';
import { LufthansaApiToken } from './lufthansa-token.js';
import { LufthansaCredentials } from './lufthansa-credentials.js';
import { StaticMqttCredentials } from './static-mqtt.js';
import { createTokenProviders, PkceTokenProvider } from './providers/index.js';

export interface Auth {
  /** Starts/stops the broker credential renewal timer; checks oauth2-pkce providers at start. */
  part: Part;
  credentials: CredentialSource & { status(): CredentialStatus | undefined };
  /** The Lufthansa API token (also for Flight Status enrichment); undefined for generic MQTT. */
  apiToken: TokenProvider | undefined;
  /** Webhook token providers by id. */
  providers: Map<string, TokenProvider>;
  /** For StatusSources.tokens (admin /readyz). */
  tokens: { status(): Array<{ id: string; state: string; expiresAt?: string; error?: string }> };
}

export function createAuth(deps: AppDeps): Auth {
  const { config } = deps;
  const providers = createTokenProviders(deps);
  let apiToken: LufthansaApiToken | undefined;
  let credentials: Auth['credentials'];
  if (config.source.kind === 'lufthansa') {
    const source = config.source.lufthansa;
    apiToken = new LufthansaApiToken({
      source,
      logger: deps.logger,
      clock: deps.clock,
      metrics: deps.metrics,
      secrets: deps.secrets,
    });
    credentials = new LufthansaCredentials({
      source,
      redis: deps.redis,
      prefix: config.redis.prefix,
      apiToken,
      logger: deps.logger,
      metrics: deps.metrics,
      clock: deps.clock,
      secrets: deps.secrets,
    });
  } else {
    credentials = new StaticMqttCredentials({ source: config.source.mqtt });
  }
  const part: Part = {
    name: 'auth',
    async start() {
      await credentials.start?.();
      for (const provider of providers.values())
        if (provider instanceof PkceTokenProvider) void provider.check();
    },
    async stop() {
      await credentials.stop?.();
    },
  };
  const tokens = {
    status: () =>
      [...(apiToken ? [apiToken] : []), ...providers.values()].map((p) => {
        const s = p.status();
        return {
          id: p.id,
          state: s.state,
          expiresAt: s.expiresAt?.toISOString(),
          ...(s.error ? { error: s.error } : {}),
        };
      }),
  };
  return { part, credentials, apiToken, providers, tokens };
}
