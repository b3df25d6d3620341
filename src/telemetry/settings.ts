/**
 * Whether tracing is on and where spans go: the `telemetry` config section where set, else the
 * standard OpenTelemetry variables (OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT,
 * OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG). Off by default.
 */

/**
 * The proposed `telemetry` config section; each key maps to a standard variable, which fills in
 * where the key is unset (undefined or null, a convict default).
 */
export interface TelemetryConfig {
  /** true/false wins over OTEL_TRACES_EXPORTER (on when it names `otlp`). */
  enabled?: boolean | null;
  /** OTLP/HTTP base URL as OTEL_EXPORTER_OTLP_ENDPOINT: `/v1/traces` is appended. */
  endpoint?: string | null;
  /** OTEL_SERVICE_NAME; default flup-bridge. */
  serviceName?: string | null;
  /** OTEL_TRACES_SAMPLER: always_on, always_off, traceidratio, parentbased_* (default parentbased_always_on). */
  sampler?: string | null;
  /** OTEL_TRACES_SAMPLER_ARG: the ratio 0..1 of traceidratio samplers. */
  samplerArg?: number | null;
}

export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

export interface TelemetrySettings {
  /** Full URL spans are POSTed to (OTLP/HTTP JSON). */
  tracesUrl: string;
  serviceName: string;
  sampler: SamplerName;
  samplerRatio: number;
}

/** A telemetry setting that cannot be used; the message names the config key or variable. */
export class TelemetrySettingsError extends Error {}

const DEFAULT_ENDPOINT = 'http://localhost:4318';

/** undefined: tracing off. OTEL_SDK_DISABLED=true turns it off whatever else says on. */
export function resolveTelemetrySettings(
  config: TelemetryConfig | undefined,
  env: NodeJS.ProcessEnv,
): TelemetrySettings | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((e) => e.trim());
  if (!(config?.enabled ?? exporters.includes('otlp'))) return undefined;
  return {
    tracesUrl: tracesUrl(config?.endpoint, env),
    serviceName: config?.serviceName || env.OTEL_SERVICE_NAME || 'flup-bridge',
    sampler: samplerName(config?.sampler, env.OTEL_TRACES_SAMPLER),
    samplerRatio: samplerRatio(config?.samplerArg, env.OTEL_TRACES_SAMPLER_ARG),
  };
}

function tracesUrl(endpoint: string | null | undefined, env: NodeJS.ProcessEnv): string {
  if (endpoint) return signalUrl(endpoint, 'telemetry.endpoint');
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    // The per-signal variable is the full URL, used as is.
    checkHttpUrl(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
    return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  }
  return signalUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT || DEFAULT_ENDPOINT, 'OTEL_EXPORTER_OTLP_ENDPOINT');
}

function signalUrl(base: string, name: string): string {
  checkHttpUrl(base, name);
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

function checkHttpUrl(value: string, name: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new TelemetrySettingsError(`${name}: must be an http(s) URL, e.g. http://collector:4318`);
  }
}

function samplerName(configured: string | null | undefined, fromEnv: string | undefined): SamplerName {
  const [value, name] = configured ? [configured, 'telemetry.sampler'] : [fromEnv, 'OTEL_TRACES_SAMPLER'];
  if (!value) return 'parentbased_always_on';
  if (!(SAMPLERS as readonly string[]).includes(value)) {
    throw new TelemetrySettingsError(`${name}: must be one of ${SAMPLERS.join(', ')}`);
  }
  return value as SamplerName;
}

function samplerRatio(configured: number | null | undefined, fromEnv: string | undefined): number {
  const [value, name] =
    configured !== undefined && configured !== null
      ? [configured, 'telemetry.samplerArg']
      : [fromEnv, 'OTEL_TRACES_SAMPLER_ARG'];
  if (value === undefined || value === '') return 1;
  const ratio = Number(value);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new TelemetrySettingsError(`${name}: must be a ratio between 0 and 1`);
  }
  return ratio;
}
