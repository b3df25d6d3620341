/** What ingest needs from a source: its broker login. */

export interface BrokerCredentials {
  /** MQTT client id and username: the Certificate Manager's `<requested>_<number>`. */
  clientId: string;
  username: string;
  /** The JWT (Lufthansa) or the configured password (generic MQTT). */
  password: string;
  /** Broker host from the Certificate Manager's `endpoint` ("" for generic MQTT). */
  endpoint: string;
  /** JWT `exp`; undefined when the credentials do not expire. */
  expiresAt?: Date;
  issuedAt?: Date;
}

export type RenewReason = 'expiry' | 'refused' | 'manual';

/** Where ingest gets its broker login. */
export interface CredentialSource {
  /** Cached credentials (Redis), fetched on first use. */
  get(): Promise<BrokerCredentials>;
  /** New credentials now (refused by the broker, near expiry, or asked by an operator). */
  renew(reason: RenewReason): Promise<BrokerCredentials>;
  /** Starts the renewal timer. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}
