import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveTelemetrySettings, TelemetrySettingsError } from '../../src/telemetry/index.js';

test('the standard variables switch tracing on and configure it; defaults fill the rest', () => {
  assert.equal(resolveTelemetrySettings(undefined, {}), undefined);
  assert.equal(resolveTelemetrySettings(undefined, { OTEL_TRACES_EXPORTER: 'console' }), undefined);
  assert.deepEqual(resolveTelemetrySettings(undefined, { OTEL_TRACES_EXPORTER: 'console, otlp' }), {
    tracesUrl: 'http://localhost:4318/v1/traces',
    serviceName: 'flup-bridge',
    sampler: 'parentbased_always_on',
    samplerRatio: 1,
  });
  assert.deepEqual(
    resolveTelemetrySettings(undefined, {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4318/',
      OTEL_SERVICE_NAME: 'bridge-eu',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    }),
    {
      tracesUrl: 'https://collector:4318/v1/traces',
      serviceName: 'bridge-eu',
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
    },
  );
  // The per-signal endpoint is a full URL, taken as is.
  assert.equal(
    resolveTelemetrySettings(undefined, {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/custom/traces',
    })?.tracesUrl,
    'http://collector:4318/custom/traces',
  );
});

test('the telemetry config section wins over the variables it maps to', () => {
  const env = {
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318',
    OTEL_SERVICE_NAME: 'env-name',
    OTEL_TRACES_SAMPLER: 'always_off',
    OTEL_TRACES_SAMPLER_ARG: '0.5',
  };
  assert.equal(resolveTelemetrySettings({ enabled: false }, env), undefined);
  assert.deepEqual(
    resolveTelemetrySettings(
      { endpoint: 'http://cfg:4318', serviceName: 'cfg-name', sampler: 'traceidratio', samplerArg: 0.1 },
      env,
    ),
    {
      tracesUrl: 'http://cfg:4318/v1/traces',
      serviceName: 'cfg-name',
      sampler: 'traceidratio',
      samplerRatio: 0.1,
    },
  );
  assert.equal(resolveTelemetrySettings({ enabled: true }, {})?.tracesUrl, 'http://localhost:4318/v1/traces');
  // null (a convict default) is unset: the variable fills in.
  const unset = { enabled: null, endpoint: null, serviceName: null, sampler: null, samplerArg: null };
  assert.deepEqual(resolveTelemetrySettings(unset, { ...env, OTEL_TRACES_SAMPLER: 'traceidratio' }), {
    tracesUrl: 'http://env:4318/v1/traces',
    serviceName: 'env-name',
    sampler: 'traceidratio',
    samplerRatio: 0.5,
  });
  assert.equal(resolveTelemetrySettings({ enabled: true }, { OTEL_SDK_DISABLED: 'true' }), undefined);
});

test('unusable settings fail naming the config key or the variable', () => {
  const on = { OTEL_TRACES_EXPORTER: 'otlp' };
  const cases: Array<[Parameters<typeof resolveTelemetrySettings>, RegExp]> = [
    [[{ enabled: true, endpoint: 'collector:4318' }, {}], /^telemetry\.endpoint: must be an http\(s\) URL/],
    [[undefined, { ...on, OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://x' }], /^OTEL_EXPORTER_OTLP_ENDPOINT: /],
    [
      [undefined, { ...on, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'nope' }],
      /^OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: /,
    ],
    [
      [undefined, { ...on, OTEL_TRACES_SAMPLER: 'sometimes' }],
      /^OTEL_TRACES_SAMPLER: must be one of always_on/,
    ],
    [[{ enabled: true, sampler: 'sometimes' }, {}], /^telemetry\.sampler: /],
    [[undefined, { ...on, OTEL_TRACES_SAMPLER_ARG: '1.5' }], /^OTEL_TRACES_SAMPLER_ARG: must be a ratio/],
    [[{ enabled: true, samplerArg: -1 }, {}], /^telemetry\.samplerArg: /],
  ];
  for (const [args, message] of cases) {
    assert.throws(
      () => resolveTelemetrySettings(...args),
      (err: Error) => {
        assert.ok(err instanceof TelemetrySettingsError);
        assert.match(err.message, message);
        return true;
      },
    );
  }
});
