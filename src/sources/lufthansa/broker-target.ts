/**
 * Lufthansa broker address (LUFTHANSA-NOTES.md §2): host = broker.host or the Certificate
 * Manager's endpoint, port 8883, TLS with certificate verification, MQTT 3.1.1, client id =
 * username = the issued clientID, password = the JWT.
 */
import { isIP } from 'node:net';
import type { IClientOptions } from 'mqtt';
import type { LufthansaSourceConfig } from '../../config/index.js';
import { readCa, type BrokerTarget, type CommonOptions } from '../broker-options.js';
import type { BrokerCredentials } from '../types.js';

export function lufthansaBrokerTarget(
  source: LufthansaSourceConfig,
  credentials: BrokerCredentials,
  common: CommonOptions,
): BrokerTarget {
  const broker = source.broker;
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
