/** Errors of the auth module: each says which endpoint, which status and what to do next. */

export class AuthError extends Error {
  constructor(
    message: string,
    readonly options: {
      /** Worth retrying as is (network error, timeout, 5xx, 429). */
      retryable?: boolean;
      status?: number;
      url?: string;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AuthError';
  }

  get retryable(): boolean {
    return this.options.retryable === true;
  }

  get status(): number | undefined {
    return this.options.status;
  }
}

/** An oauth2-pkce provider has no usable refresh token: an operator must log in again. */
export class LoginRequiredError extends AuthError {
  constructor(
    readonly providerId: string,
    reason: string,
  ) {
    super(
      `token provider "${providerId}" needs a new login (${reason}); run: flup-bridge auth login ${providerId}`,
    );
    this.name = 'LoginRequiredError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
