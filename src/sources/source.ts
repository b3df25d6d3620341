/**
 * The Source interface and its factory: the only place outside config/ that reads `source.kind`.
 * Each source is one folder (lufthansa/, mqtt/) behind this interface.
 */
import type { Config } from '../config/index.js';
import type { AppDeps, Part } from '../core/index.js';
import type { CredentialStatus } from '../admin/index.js';
import type { TokenProvider } from '../auth/index.js';
import { sessionOptions, type BrokerTarget } from './broker-options.js';
import type { BrokerCredentials, CredentialSource } from './types.js';
import { createLufthansaLogin, lufthansaBrokerTarget } from './lufthansa/index.js';
import { mqttBrokerTarget, StaticMqttCredentials } from './mqtt/index.js';

export type SourceKind = Config['source']['kind'];

/** What the rest of the bridge needs from a source. */
export interface Source {
  readonly kind: SourceKind;
  /** Topic filters to subscribe and their QoS. */
  readonly topics: string[];
  readonly qos: 0 | 1;
  /** The broker login ingest uses, renewed by the source itself where it expires. */
  readonly credentials: CredentialSource & { status(): CredentialStatus | undefined };
  /** The source's own API token (Lufthansa: also used for Flight Status enrichment). */
  readonly apiToken: TokenProvider | undefined;
  /** Whether the broker login lives in Redis, so every role (even worker) can report it. */
  readonly sharedCredentials: boolean;
  /** Broker address, TLS and login for the given credentials. */
  brokerTarget(credentials: BrokerCredentials): BrokerTarget;
}

/** The subscription of the configured source: its kind (a metrics label), topics and QoS. */
export function subscriptionFor(config: Config): { kind: SourceKind; topics: string[]; qos: 0 | 1 } {
  const { source } = config;
  const settings = source.kind === 'lufthansa' ? source.lufthansa : source.mqtt;
  return { kind: source.kind, topics: settings.topics, qos: settings.qos };
}

/** mqtt.js options for the configured source and the current broker credentials. */
export function brokerTarget(config: Config, credentials: BrokerCredentials): BrokerTarget {
  const common = (protocolVersion: 4 | 5) => sessionOptions(config.ingest, protocolVersion);
  return config.source.kind === 'lufthansa'
    ? lufthansaBrokerTarget(config.source.lufthansa, credentials, common)
    : mqttBrokerTarget(config.source.mqtt, credentials, common);
}

/** The configured source, with a Part that starts and stops its credential renewal. */
export function createSource(deps: AppDeps): Source & { part: Part } {
  const { config } = deps;
  const login: Pick<Source, 'credentials' | 'apiToken'> =
    config.source.kind === 'lufthansa'
      ? createLufthansaLogin(deps, config.source.lufthansa)
      : { credentials: new StaticMqttCredentials({ source: config.source.mqtt }), apiToken: undefined };
  const { credentials, apiToken } = login;
  return {
    ...subscriptionFor(config),
    credentials,
    apiToken,
    sharedCredentials: config.source.kind === 'lufthansa',
    brokerTarget: (c) => brokerTarget(config, c),
    part: {
      name: 'source',
      start: async () => credentials.start?.(),
      stop: async () => credentials.stop?.(),
    },
  };
}
export * from './broker-options.js';
