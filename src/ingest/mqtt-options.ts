/**
 * mqtt.js connection options for the configured source and the current broker credentials.
 *
 * Lufthansa (LUFTHANSA-NOTES.md §2): host = broker.host or the Certificate Manager's endpoint,
 * port 8883, TLS with certificate verification, MQTT 3.1.1, client id = username = the issued
 * clientID, password = the JWT. Generic MQTT: the configured URL, with the credential source's
 * client id, username and password.
 *
 * Both: a persistent session (clean: false, and a session expiry interval on MQTT 5), and no
 * reconnect inside mqtt.js (ingest reconnects itself, with jittered backoff and fresh credentials).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { IClientOptions } from 'mqtt';
import type { BrokerCredentials } from '../auth/index.js';
import type { Config } from '../config/index.js';

export interface BrokerTarget {
  /** For logs: where we connect (never the password). */
  describe: string;
  url?: string;
  options: IClientOptions;
}

function readCa(file: string, key: string): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(
      `cannot read ${key} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

export function brokerTarget(config: Config, credentials: BrokerCredentials): BrokerTarget {
  const { ingest } = config;
  const common = (protocolVersion: 4 | 5): IClientOptions => ({
    protocolVersion,
    clean: false,
    keepalive: Math.max(1, Math.round(ingest.keepalive / 1000)),
    reconnectPeriod: 0,
    resubscribe: false,
    connectTimeout: 15_000,
    ...(protocolVersion === 5
      ? { properties: { sessionExpiryInterval: Math.round(ingest.sessionExpiryInterval / 1000) } }
      : {}),
  });

  if (config.source.kind === 'lufthansa') {
    const broker = config.source.lufthansa.broker;
    const host = broker.host || credentials.endpoint;
    if (!host) {
      throw new Error(
        'no broker host: set source.lufthansa.broker.host, or check that the Certificate Manager answer names an endpoint',
      );
    }
    const ca = readCa(broker.caFile, 'source.lufthansa.broker.caFile');
    const options: IClientOptions = {
      ...common(broker.protocolVersion),
      protocol: broker.tls ? 'mqtts' : 'mqtt',
      host,
      port: broker.port,
      clientId: credentials.clientId,
      username: credentials.username || credentials.clientId,
      password: credentials.password,
      ...(broker.tls
        ? {
            rejectUnauthorized: !broker.insecure,
            ...(ca ? { ca } : {}),
            ...(isIP(host) ? {} : { servername: host }),
          }
        : {}),
    };
    return { describe: `${broker.tls ? 'mqtts' : 'mqtt'}://${host}:${broker.port}`, options };
  }

  const mqtt = config.source.mqtt;
  const ca = readCa(mqtt.caFile, 'source.mqtt.caFile');
  const url = new URL(mqtt.url);
  url.username = '';
  url.password = '';
  return {
    describe: url.toString(),
    url: mqtt.url,
    options: {
      ...common(mqtt.protocolVersion),
      clientId: credentials.clientId || mqtt.clientId,
      ...(credentials.username ? { username: credentials.username } : {}),
      ...(credentials.password ? { password: credentials.password } : {}),
      ...(ca ? { ca } : {}),
    },
  };
}
