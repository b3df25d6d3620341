/** A generic MQTT broker: static login from source.mqtt. */
export { StaticMqttCredentials } from './static-login.js';
export { mqttBrokerTarget } from './broker-target.js';
