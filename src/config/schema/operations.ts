/**
 * Running the process: `admin:` (API, dashboard, metrics), `telemetry:`, `log:`, `subscriptions:`
 * and `timeline:`.
 */
import {
  checkBoolean,
  checkEnum,
  checkInt,
  checkListen,
  checkNumber,
  checkString,
  checkStringList,
} from '../formats.js';
import { SAMPLERS } from '../../telemetry/index.js';
import { orNull } from './checks.js';
import { duration, type SchemaTree } from './leaf.js';

export const operationsSettings: SchemaTree = {
  admin: {
    listen: {
      doc: 'Health, metrics, admin API and dashboard; "off" disables.',
      default: '127.0.0.1:9464',
      check: checkListen,
      env: 'FLUP_ADMIN_LISTEN',
    },
    token: {
      doc: 'Bearer token of the admin API and dashboard; "" = API off (health and metrics stay).',
      default: '',
      check: checkString,
      env: 'FLUP_ADMIN_TOKEN',
      sensitive: true,
    },
    allowedHosts: {
      doc: 'Host names (besides IP addresses, localhost and the admin.listen host) the admin server answers to, against DNS rebinding; ".example.com" = that domain and its subdomains; "*" = any.',
      default: [],
      check: (v) => checkStringList(typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v),
    },
  },
  telemetry: {
    enabled: {
      doc: 'OpenTelemetry traces (OTLP/HTTP): true/false; null = on when OTEL_TRACES_EXPORTER names otlp. Off by default.',
      default: null,
      check: orNull(checkBoolean),
    },
    endpoint: {
      doc: 'OTLP/HTTP collector base URL (/v1/traces is appended); null = OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, else http://localhost:4318.',
      default: null,
      check: orNull(checkString),
    },
    serviceName: {
      doc: 'service.name of the spans; null = OTEL_SERVICE_NAME, else flup-bridge.',
      default: null,
      check: orNull(checkString),
    },
    sampler: {
      doc: 'always_on, always_off, traceidratio or parentbased_*; null = OTEL_TRACES_SAMPLER, else parentbased_always_on.',
      default: null,
      check: orNull(checkEnum([...SAMPLERS])),
    },
    samplerArg: {
      doc: 'Ratio 0..1 of the traceidratio samplers; null = OTEL_TRACES_SAMPLER_ARG, else 1.',
      default: null,
      check: orNull(checkNumber(0)),
    },
  },
  log: {
    level: {
      doc: 'fatal, error, warn, info, debug, trace or silent.',
      default: 'info',
      check: checkEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
      env: 'FLUP_LOG_LEVEL',
    },
    format: {
      doc: 'auto (pretty on a TTY, else JSON), json or pretty.',
      default: 'auto',
      check: checkEnum(['auto', 'json', 'pretty']),
      env: 'FLUP_LOG_FORMAT',
    },
  },
  subscriptions: {
    flightGrace: duration(
      'A flight + date subscription stops matching this long after its date ends (UTC).',
      '12h',
    ),
    refresh: duration('How often each process looks for subscription changes made by any replica.', '1s'),
  },
  timeline: {
    retention: duration(
      "Notifications and delivery attempts are kept this long after a flight's last write.",
      '3d',
    ),
    maxNotificationsPerFlight: {
      doc: 'Notifications kept per flight; the oldest go first.',
      default: 500,
      check: checkInt(1),
    },
    maxAttemptsPerMessage: {
      doc: 'Delivery attempts kept per message, all webhooks together; the oldest go first.',
      default: 100,
      check: checkInt(1),
    },
  },
};
