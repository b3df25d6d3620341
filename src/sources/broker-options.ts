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
import type { IClientOptions } from 'mqtt';
import type { IngestConfig } from '../config/index.js';

export type CommonOptions = (protocolVersion: 4 | 5) => IClientOptions;

export interface BrokerTarget {
  /** For logs: where we connect (never the password). */
  describe: string;
  url?: string;
  options: IClientOptions;
}

export function readCa(file: string, key: string): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(
      `cannot read ${key} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

function noLog(): void {}

function mqttDebugWanted(): boolean {
  return /mqttjs|^\*|,\*/.test(process.env.DEBUG ?? '');
}

/** Session options both sources share: persistent session, no reconnect inside mqtt.js. */
export function sessionOptions(ingest: IngestConfig, protocolVersion: 4 | 5): IClientOptions {
  return {
    protocolVersion,
    clean: false,
    keepalive: Math.max(1, Math.round(ingest.keepalive / 1000)),
    reconnectPeriod: 0,
    resubscribe: false,
    connectTimeout: 15_000,
    // mqtt.js traces every packet through the `debug` module: ~10 calls per message that cost
    // time and garbage even when off. Kept when asked for (DEBUG=mqttjs*), as mqtt.js documents.
    ...(mqttDebugWanted() ? {} : { log: noLog }),
    ...(protocolVersion === 5
      ? { properties: { sessionExpiryInterval: Math.round(ingest.sessionExpiryInterval / 1000) } }
      : {}),
  };
}
