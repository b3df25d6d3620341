/** YAML config files in a temp folder, and the problems loadConfig reports for one. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../src/config/index.js';

export function configFiles(name: string) {
  const dir = mkdtempSync(join(tmpdir(), `flup-${name}-`));
  let n = 0;
  const file = (yaml: string): string => {
    const path = join(dir, `c${n++}.yaml`);
    writeFileSync(path, yaml);
    return path;
  };
  /** The issue lines of a config that must be refused. */
  const issues = (yaml: string, env: NodeJS.ProcessEnv = {}): string[] => {
    try {
      loadConfig({ file: file(yaml), env });
    } catch (err) {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      return err.message.split('\n');
    }
    assert.fail('config was accepted');
  };
  return { dir, file, issues };
}
