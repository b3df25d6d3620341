/**
 * OpenTelemetry tracing, off by default. The SDK is imported only when tracing is on, so a bridge
 * without it neither loads nor pays for it.
 */
import { resolveTelemetrySettings, type TelemetryConfig } from './settings.js';
import { telemetryOff, type Telemetry } from './telemetry.js';

export { telemetryOff, eventSpanAttributes } from './telemetry.js';
export type * from './telemetry.js';
export {
  resolveTelemetrySettings,
  SAMPLERS,
  TelemetrySettingsError,
  type SamplerName,
  type TelemetryConfig,
  type TelemetrySettings,
} from './settings.js';

export interface CreateTelemetryOptions {
  /** The `telemetry` config section, when there is one. */
  config?: TelemetryConfig;
  env: NodeJS.ProcessEnv;
  /** How an error reads in a span status (e.g. scrubbed of secrets); default its name only. */
  describeError?: (error: unknown) => string;
}

/** Throws TelemetrySettingsError (naming the key or variable) for unusable settings. */
export async function createTelemetry(options: CreateTelemetryOptions): Promise<Telemetry> {
  const settings = resolveTelemetrySettings(options.config, options.env);
  if (!settings) return telemetryOff;
  const { OtelTelemetry } = await import('./otel-telemetry.js');
  return new OtelTelemetry(settings, { describeError: options.describeError });
}
