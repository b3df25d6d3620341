/**
 * The one loader of the Lua scripts in ./scripts (one script per file, KEYS/ARGV in its header).
 * Read next to this module, so it works from src/ under tsx and from dist/ (the build copies them).
 */
import { readFileSync } from 'node:fs';
import { LuaScript } from './connection.js';

export type ScriptName =
  | 'release-lock'
  | 'renew-lock'
  | 'breaker-gate'
  | 'breaker-record'
  | 'add-claimed-jobs'
  | 'complete-claimed-job'
  | 'dedup-gate'
  | 'dedup-record-stored'
  | 'flight-assign-sequence'
  | 'flight-store-status'
  | 'flight-add-routed'
  | 'flight-mark-done'
  | 'subscription-create'
  | 'subscription-remove'
  | 'timeline-add-notification';

const loaded = new Map<ScriptName, LuaScript>();

export function loadScript(name: ScriptName): LuaScript {
  let script = loaded.get(name);
  if (!script) {
    script = new LuaScript(readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8'));
    loaded.set(name, script);
  }
  return script;
}
