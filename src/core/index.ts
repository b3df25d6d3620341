/** Ground floor: contracts and services every folder may use. Imports nothing else of src/ at runtime. */
export * from './part.js';
export * from './clock.js';
export * from './logger.js';
export * from './redact.js';
export * from './metrics.js';
export * from './json-path.js';
export * from './backoff.js';
