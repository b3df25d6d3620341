/**
 * Keeps scripts loaded on one connection, for EVALSHA inside a MULTI: there a NOSCRIPT cannot fall
 * back to EVAL, it fails the whole transaction. `prepare` sends SCRIPT LOAD ahead of the MULTI
 * while the connection may lack them (new, or closed since: a restarted Redis has no scripts);
 * `forget` after a NOSCRIPT (SCRIPT FLUSH) makes the next prepare load them again.
 */
import { LuaScript } from './connection.js';
import type { RedisClient } from './factory.js';

export class ScriptPreload {
  readonly #redis: RedisClient;
  readonly #scripts: LuaScript[];
  /** Whether the connection has the scripts loaded (since it last closed). */
  #loaded = false;

  constructor(redis: RedisClient, scripts: readonly LuaScript[]) {
    this.#redis = redis;
    this.#scripts = [...scripts];
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

  /** Keeps `script` loaded too (from the next prepare on). */
  add(script: LuaScript): void {
    if (this.#scripts.some((known) => known.sha === script.sha)) return;
    this.#scripts.push(script);
    this.#loaded = false;
  }

  forget(): void {
    this.#loaded = false;
  }
}

/**
 * The scripts of the commands defined on an ioredis client (defineCommand, as BullMQ does) whose
 * names match, to keep them loaded with a ScriptPreload.
 */
export function definedScripts(client: unknown, names: RegExp): LuaScript[] {
  const defined = (client as { scriptsSet?: Record<string, { lua: string }> }).scriptsSet ?? {};
  return Object.entries(defined)
    .filter(([name]) => names.test(name))
    .map(([, script]) => new LuaScript(script.lua));
}
