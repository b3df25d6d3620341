/**
 * Keeps scripts loaded on one connection, for EVALSHA inside a MULTI: there a NOSCRIPT cannot fall
 * back to EVAL, it fails the whole transaction. `prepare` sends SCRIPT LOAD ahead of the MULTI
 * while the connection may lack them (new, or closed since: a restarted Redis has no scripts);
 * `forget` after a NOSCRIPT (SCRIPT FLUSH) makes the next prepare load them again.
 */
import type { LuaScript } from './connection.js';
import type { RedisClient } from './factory.js';

export class ScriptPreload {
  readonly #redis: RedisClient;
  readonly #scripts: readonly LuaScript[];
  /** Whether the connection has the scripts loaded (since it last closed). */
  #loaded = false;

  constructor(redis: RedisClient, scripts: readonly LuaScript[]) {
    this.#redis = redis;
    this.#scripts = scripts;
    redis.on('close', () => (this.#loaded = false));
  }

  prepare(): void {
    if (this.#loaded) return;
    // Marked loaded only once Redis answered (a load sent into a dead connection is lost).
    const loads = this.#scripts.map((script) => this.#redis.script('LOAD', script.source));
    Promise.all(loads).then(
      () => (this.#loaded = true),
      () => undefined,
    );
  }

  forget(): void {
    this.#loaded = false;
  }
}
