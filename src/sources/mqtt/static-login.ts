/** A generic MQTT source: the configured username/password never change, so renew returns them. */
import type { MqttSourceConfig } from '../../config/index.js';
import { maskUrl } from '../../config/index.js';
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
    this.#endpoint = maskUrl(source.url, { dropUserInfo: true, fallback: '' });
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
