/** Ground floor: Redis connections, key names, lock and Lua scripts. */
export * from './connection.js';
export * from './factory.js';
export * from './target-url.js';
export * from './target.js';
export * from './keys.js';
export * from './lock.js';
export * from './scripts.js';
export * from './command-batch.js';
export * from './script-preload.js';
