/**
 * Where messages come from. Each source is one folder (lufthansa/, mqtt/) behind the Source
 * interface (source.ts, whose factory is the only place outside config/ that reads the configured
 * source kind).
 */
export * from './types.js';
export { readCa, sessionOptions, type BrokerTarget, type CommonOptions } from './broker-options.js';
export * from './source.js';
export * from './lufthansa/index.js';
export * from './mqtt/index.js';
export { createAuth, type Auth } from './create-auth.js';
