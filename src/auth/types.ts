/** Contracts of the auth module, used by ingest (broker login), delivery and enrichment. */

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

export interface TokenStatus {
  state: 'ok' | 'empty' | 'login-required' | 'error';
  expiresAt?: Date;
  error?: string;
}

/** A bearer (or basic) credential for an outbound call. */
export interface TokenProvider {
  readonly id: string;
  /** The Authorization header value, e.g. "Bearer eyJ..."; one fetch in flight, shared by callers. */
  authorization(): Promise<string>;
  /** The target answered 401 with this credential: drop it so the next call fetches anew. */
  invalidate(): void;
  status(): TokenStatus;
}
