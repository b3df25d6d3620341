/** Contracts of outbound auth: token providers used by delivery and enrichment. */

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
