/**
 * Loads the configuration: defaults and env vars through convict, the YAML file through `yaml`
 * (so syntax errors carry line and column), then one strict pass that validates every key,
 * list items included, and reports all problems at once.
 */
import { readFileSync } from 'node:fs';
import convict from 'convict';
import { parseDocument } from 'yaml';
import { ConfigValueError, isPlainObject } from './formats.js';
import {
  DEFAULT_REDIS_URL,
  envName,
  isLeaf,
  leaves,
  schema,
  type LeafSchema,
  type SchemaTree,
} from './schema/index.js';
import { checkUniqueIds, validateList, type ConfigIssue } from './spec.js';
import type { Config } from './types.js';
import { unitlessDurations } from './unitless.js';
import { resolveTelemetrySettings, TelemetrySettingsError } from '../telemetry/index.js';

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n'));
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** YAML file; undefined = defaults and env only. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values that win over file and env (e.g. the CLI's --role). */
  overrides?: Record<string, unknown>;
}

// Convict would coerce env/file strings by the default's type (parseFloat("30d") = 30); this
// format keeps values as given and leaves checking and coercion to validateTree.
convict.addFormat({ name: 'flup-value', validate: () => undefined, coerce: (value: unknown) => value });

function toConvictSchema(tree: SchemaTree, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isLeaf(node)) {
      out[key] = {
        doc: node.doc,
        default: node.default,
        // Validation happens in validateTree (one pass, all issues, list items included).
        format: 'flup-value',
        env: node.env ?? envName(path),
        sensitive: node.sensitive === true,
      };
    } else out[key] = toConvictSchema(node, path);
  }
  return out;
}

/** `FOO_FILE=/run/secrets/foo` supplies FOO for every sensitive key (Docker and Kubernetes secrets). */
function withSecretFiles(env: NodeJS.ProcessEnv, issues: ConfigIssue[]): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const [path, leaf] of leaves()) {
    if (!leaf.sensitive) continue;
    const name = leaf.env ?? envName(path);
    const file = env[`${name}_FILE`];
    if (file === undefined || env[name] !== undefined) continue;
    try {
      out[name] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      issues.push({
        path,
        message: `cannot read ${name}_FILE ${file}: ${(err as NodeJS.ErrnoException).code}`,
      });
    }
  }
  return out;
}

function readYaml(file: string, issues: ConfigIssue[]): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : String(code);
    issues.push({ path: '', message: `cannot read config file ${file}: ${reason}` });
    return undefined;
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const pos = error.linePos?.[0];
      const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
      const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      issues.push({ path: '', message: `${where}: YAML syntax error: ${message}` });
    }
    return undefined;
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  const before = issues.length;
  findBuiltinKeys(value, '', issues);
  if (issues.length > before) return undefined;
  if (!isPlainObject(value)) {
    issues.push({
      path: '',
      message: `${file}: the top level must be a mapping of keys (redis:, source:, webhooks:, ...)`,
    });
    return undefined;
  }
  return value;
}

/**
 * Keys named like Object.prototype members (__proto__, constructor, toString, ...) are unknown keys
 * wherever they appear. They are refused on the parsed file before anything merges it: a merge
 * that assigns `__proto__` would change an object's prototype and so its inherited settings.
 */
const BUILTIN_KEYS: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
]);

function findBuiltinKeys(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => findBuiltinKeys(item, `${path}[${i}]`, issues));
    return;
  }
  if (!isPlainObject(value)) return;
  for (const key of Object.keys(value)) {
    const keyPath = path ? `${path}.${key}` : key;
    if (BUILTIN_KEYS.has(key)) issues.push({ path: keyPath, message: 'unknown key' });
    else findBuiltinKeys(value[key], keyPath, issues);
  }
}

function validateTree(
  input: Record<string, unknown>,
  tree: SchemaTree,
  prefix: string,
  issues: ConfigIssue[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(tree, key))
      issues.push({ path: prefix ? `${prefix}.${key}` : key, message: 'unknown key' });
  }
  for (const [key, node] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const value = input[key];
    if (isLeaf(node)) out[key] = validateLeaf(value, node, path, issues);
    else if (value !== undefined && !isPlainObject(value)) {
      issues.push({ path, message: 'must be a mapping of keys' });
      out[key] = validateTree({}, node, path, issues);
    } else out[key] = validateTree((value as Record<string, unknown>) ?? {}, node, path, issues);
  }
  return out;
}

function validateLeaf(value: unknown, leaf: LeafSchema, path: string, issues: ConfigIssue[]): unknown {
  if (leaf.items) {
    const items = validateList(value ?? [], leaf.items, path, issues);
    checkUniqueIds(items, path, issues);
    return items;
  }
  try {
    return leaf.check(value === undefined ? leaf.default : value);
  } catch (err) {
    if (!(err instanceof ConfigValueError)) throw err;
    issues.push({ path: path + err.at, message: err.message });
    return leaf.default;
  }
}

/** Exactly one of redis.url, redis.sentinel, redis.cluster; none = the default URL. */
function checkRedisTarget(config: Config, issues: ConfigIssue[]): void {
  const { redis } = config;
  const given = [
    redis.url !== '' ? 'redis.url' : undefined,
    redis.sentinel.nodes.length > 0 || redis.sentinel.name !== '' ? 'redis.sentinel' : undefined,
    redis.cluster.nodes.length > 0 ? 'redis.cluster' : undefined,
  ].filter((key): key is string => key !== undefined);
  if (given.length > 1) {
    issues.push({
      path: 'redis',
      message: `give exactly one of redis.url, redis.sentinel, redis.cluster (got ${given.join(' and ')})`,
    });
    return;
  }
  if (given[0] === 'redis.sentinel') {
    if (redis.sentinel.name === '')
      issues.push({ path: 'redis.sentinel.name', message: 'is required with redis.sentinel.nodes' });
    if (redis.sentinel.nodes.length === 0)
      issues.push({ path: 'redis.sentinel.nodes', message: 'is required with redis.sentinel.name' });
  }
  if (given.length === 0) redis.url = DEFAULT_REDIS_URL;
}

/** Rules that span keys. */
function crossCheck(config: Config, issues: ConfigIssue[]): void {
  checkRedisTarget(config, issues);
  if (config.source.kind === 'lufthansa' && config.role !== 'worker') {
    for (const key of ['clientKey', 'clientSecret'] as const) {
      if (config.source.lufthansa[key] === '') {
        issues.push({
          path: `source.lufthansa.${key}`,
          message: 'is required when source.kind is lufthansa',
        });
      }
    }
  }
  const providers = new Set(config.tokenProviders.map((p) => p.id));
  config.webhooks.forEach((webhook, i) => {
    if (webhook.auth && !providers.has(webhook.auth.provider)) {
      issues.push({
        path: `webhooks[${i}].auth.provider`,
        message: `names no tokenProviders entry ("${webhook.auth.provider}")`,
      });
    }
    if (webhook.enrich.includes('flightStatus') && config.source.kind !== 'lufthansa') {
      issues.push({ path: `webhooks[${i}].enrich`, message: 'flightStatus needs source.kind lufthansa' });
    }
  });
}

/** Tracing settings (section + OTEL_* variables) resolve now, so a bad one exits 78 at start. */
function checkTelemetry(config: Config, env: NodeJS.ProcessEnv, issues: ConfigIssue[]): void {
  try {
    resolveTelemetrySettings(config.telemetry, env);
  } catch (err) {
    if (!(err instanceof TelemetrySettingsError)) throw err;
    // The message starts with the key or variable at fault.
    issues.push({ path: '', message: err.message });
  }
}

/** Turns the validated tree into the typed Config (names the code uses). */
function finish(tree: Record<string, unknown>): Config {
  const config = tree as unknown as Config;
  config.webhooks = (tree.webhooks as Array<Record<string, unknown>>).map((raw) => {
    const { secret, ...rest } = raw;
    const webhook = { ...rest, secrets: secret } as unknown as Config['webhooks'][number];
    if (webhook.retry && webhook.retry.schedule.length > 0)
      webhook.retry.attempts = webhook.retry.schedule.length + 1;
    return webhook;
  });
  return config;
}

export function loadConfig(options: LoadOptions = {}): Config {
  const issues: ConfigIssue[] = [];
  const env = withSecretFiles(options.env ?? process.env, issues);
  const store = convict(toConvictSchema(schema) as convict.Schema<Record<string, unknown>>, {
    env,
    args: [],
  });
  if (options.file !== undefined) {
    const fromFile = readYaml(options.file, issues);
    if (fromFile) {
      issues.push(...unitlessDurations(fromFile, schema));
      store.load(fromFile);
    }
  }
  for (const [path, value] of Object.entries(options.overrides ?? {})) store.set(path, value);
  if (issues.length > 0) throw new ConfigError(issues);
  const tree = validateTree(store.getProperties() as Record<string, unknown>, schema, '', issues);
  if (issues.length > 0) throw new ConfigError(issues);
  const config = finish(tree);
  crossCheck(config, issues);
  checkTelemetry(config, env, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}
