/**
 * `source:` where messages come from: the Lufthansa API (credentials, topics) or any MQTT broker.
 */
import {
  checkBoolean,
  checkEnum,
  checkHttpUrl,
  checkNonEmptyString,
  checkString,
  checkUrlWithProtocols,
} from '../formats.js';
import { port, protocolVersion, qos, topicList } from './checks.js';
import { duration, type SchemaTree } from './leaf.js';

export const sourceSettings: SchemaTree = {
  source: {
    kind: {
      doc: 'lufthansa (credentials from the Certificate Manager) or mqtt (any broker).',
      default: 'lufthansa',
      check: checkEnum(['lufthansa', 'mqtt']),
      env: 'FLUP_SOURCE_KIND',
    },
    lufthansa: {
      apiBase: {
        doc: 'Lufthansa API base (token, Certificate Manager, Flight Status).',
        default: 'https://api.lufthansa.com',
        check: checkHttpUrl,
        env: 'FLUP_LH_API_BASE',
      },
      clientKey: {
        doc: 'Application key.',
        default: '',
        check: checkString,
        env: 'FLUP_LH_CLIENT_KEY',
        sensitive: true,
      },
      clientSecret: {
        doc: 'Application secret.',
        default: '',
        check: checkString,
        env: 'FLUP_LH_CLIENT_SECRET',
        sensitive: true,
      },
      clientId: {
        doc: 'Prefix sent to the Certificate Manager; the broker clientID is <clientId>_<number>.',
        default: 'flup-bridge',
        check: checkNonEmptyString,
        env: 'FLUP_LH_CLIENT_ID',
      },
      authGroups: {
        doc: 'Certificate Manager auth groups.',
        default: 'flupSubTopic',
        check: checkNonEmptyString,
        env: 'FLUP_LH_AUTH_GROUPS',
      },
      topics: {
        doc: 'Topic filters to subscribe to.',
        default: ['prd/FlightUpdate/#'],
        check: topicList,
        env: 'FLUP_LH_TOPICS',
      },
      qos: {
        doc: 'Subscription QoS requested (1 = broker redelivers until acked).',
        default: 1,
        check: qos,
        env: 'FLUP_LH_QOS',
      },
      renewBefore: duration('Renew the broker JWT this long before it expires.', '30d'),
      broker: {
        host: {
          doc: 'Broker host; "" = the endpoint named by the Certificate Manager.',
          default: '',
          check: checkString,
          env: 'FLUP_LH_BROKER_HOST',
        },
        port: { doc: 'Broker port.', default: 8883, check: port, env: 'FLUP_LH_BROKER_PORT' },
        tls: {
          doc: 'Connect with TLS (certificate verified).',
          default: true,
          check: checkBoolean,
          env: 'FLUP_LH_BROKER_TLS',
        },
        caFile: {
          doc: 'Extra CA bundle (PEM) to trust.',
          default: '',
          check: checkString,
          env: 'FLUP_LH_BROKER_CA_FILE',
        },
        protocolVersion: {
          doc: '4 = MQTT 3.1.1 (what the broker speaks), 5 = MQTT 5.',
          default: 4,
          check: protocolVersion,
        },
        insecure: {
          doc: 'Skip TLS verification. Only for a local simulator.',
          default: false,
          check: checkBoolean,
        },
      },
    },
    mqtt: {
      url: {
        doc: 'Broker URL (mqtt://, mqtts://, ws://, wss://).',
        default: 'mqtt://127.0.0.1:1883',
        check: (v) =>
          checkUrlWithProtocols(
            v,
            ['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:', 'ssl:'],
            'an mqtt://, mqtts://, ws:// or wss:// URL',
          ),
        env: 'FLUP_MQTT_URL',
      },
      username: { doc: 'Broker username.', default: '', check: checkString, env: 'FLUP_MQTT_USERNAME' },
      password: {
        doc: 'Broker password.',
        default: '',
        check: checkString,
        env: 'FLUP_MQTT_PASSWORD',
        sensitive: true,
      },
      clientId: {
        doc: 'MQTT client id; fixed, so the broker keeps the session across restarts.',
        default: 'flup-bridge',
        check: checkNonEmptyString,
        env: 'FLUP_MQTT_CLIENT_ID',
      },
      topics: {
        doc: 'Topic filters to subscribe to.',
        default: ['#'],
        check: topicList,
        env: 'FLUP_MQTT_TOPICS',
      },
      qos: { doc: 'Subscription QoS requested.', default: 1, check: qos, env: 'FLUP_MQTT_QOS' },
      caFile: {
        doc: 'Extra CA bundle (PEM) for mqtts://.',
        default: '',
        check: checkString,
        env: 'FLUP_MQTT_CA_FILE',
      },
      protocolVersion: {
        doc: '4 = MQTT 3.1.1, 5 = MQTT 5.',
        default: 4,
        check: protocolVersion,
        env: 'FLUP_MQTT_PROTOCOL_VERSION',
      },
    },
  },
};
