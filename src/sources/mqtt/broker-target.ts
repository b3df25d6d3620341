/** Generic MQTT broker: the configured URL, with the credential source's client id, username and password. */
import type { MqttSourceConfig } from '../../config/index.js';
import { readCa, type BrokerTarget, type CommonOptions } from '../broker-options.js';
import type { BrokerCredentials } from '../types.js';

export function mqttBrokerTarget(
  mqtt: MqttSourceConfig,
  credentials: BrokerCredentials,
  common: CommonOptions,
): BrokerTarget {
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
