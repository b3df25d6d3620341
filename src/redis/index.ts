/** Ground floor: Redis connections, key names, lock and Lua scripts. */
export * from './connection.js';
export * from './keys.js';
export * from './lock.js';
export * from './scripts.js';
export { waitForReplicas } from './factory.js';
