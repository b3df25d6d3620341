/** A generic MQTT source: the configured username/password never change, so renew returns them. */
import type { MqttSourceConfig } from '../../config/index.js';
import type { CredentialStatus } from '../../admin/index.js';
import type { BrokerCredentials, CredentialSource, RenewReason } from '../types.js';

export class StaticMqttCredentials implements CredentialSource {
  readonly #credentials: BrokerCredentials;
  readonly #endpoint: string;

  constructor(deps: { source: MqttSourceConfig }) {
    const { source } = deps;
    this.#credentials = {
      clientId: source.clientId,
      username: source.username,
      password: source.password,
      endpoint: '',
    };
    this.#endpoint = withoutUserInfo(source.url);
  }

  async get(): Promise<BrokerCredentials> {
    return this.#credentials;
  }

  async renew(_reason: RenewReason): Promise<BrokerCredentials> {
    return this.#credentials;
  }

  status(): CredentialStatus | undefined {
    return { clientId: this.#credentials.clientId, endpoint: this.#endpoint };
  }
}

/** The broker URL for display, without a user:password@ part. */
function withoutUserInfo(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '';
  }
}
