/** A fixed bearer token or basic credentials from the configuration. */
import type { StaticProviderConfig } from '../../config/index.js';
import type { SecretRegistry } from '../../core/index.js';
import type { TokenProvider, TokenStatus } from '../types.js';

export class StaticTokenProvider implements TokenProvider {
  readonly id: string;
  readonly #authorization: string;

  constructor(config: StaticProviderConfig, secrets?: SecretRegistry) {
    this.id = config.id;
    const basic = Buffer.from(`${config.username}:${config.password}`).toString('base64');
    this.#authorization = config.token ? `Bearer ${config.token}` : `Basic ${basic}`;
    // The base64 form is as secret as the password it encodes.
    if (!config.token) secrets?.add(basic);
  }

  async authorization(): Promise<string> {
    return this.#authorization;
  }

  /** Nothing to fetch again: a 401 with a static credential needs a configuration change. */
  invalidate(): void {}

  status(): TokenStatus {
    return { state: 'ok' };
  }
}
