export { loadConfig, ConfigError, type LoadOptions } from './load.js';
export { maskConfig, maskUrl, secretValues, MASK } from './mask.js';
export { presentConfig } from './present.js';
export { parseDuration, formatDuration, durationOrUndefined } from './formats.js';
export { schema, leaves, envName, webhookSpec, tokenProviderSpec } from './schema/index.js';
export type * from './types.js';
export type { ConfigIssue } from './spec.js';
