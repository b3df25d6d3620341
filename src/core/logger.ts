/**
 * One root pino logger; parts take `logger.child({ module })`. Secrets are kept out two ways:
 * redact paths for the usual field names, and a scrub of every configured secret value, in each of
 * its encoded forms (redact.ts), from each line before it is written, so a secret inside an error
 * message or URL cannot leak either.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogConfig } from '../config/index.js';
import { MIN_SECRET_LENGTH, scrub } from './redact.js';

export type { Logger } from 'pino';

const REDACT_KEYS = [
  'password',
  'secret',
  'secrets',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'clientSecret',
  'client_secret',
  'clientKey',
  'jwt',
  'javaWebToken',
  'authorization',
  'Authorization',
  'cs',
  'as',
];

const REDACT_PATHS = [
  ...REDACT_KEYS,
  ...REDACT_KEYS.map((k) => `*.${k}`),
  ...REDACT_KEYS.map((k) => `*.*.${k}`),
  'headers.authorization',
  'req.headers.authorization',
  'headers["webhook-signature"]',
];

export interface CreateLoggerOptions extends Partial<LogConfig> {
  /** Secret values to scrub from every line (config secrets, fetched tokens). */
  secrets?: () => Iterable<string>;
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const format = options.format ?? 'auto';
  const usePretty =
    format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true && !options.destination);
  const destination =
    options.destination ??
    (usePretty
      ? pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
      : pino.destination({ sync: false }));
  const secrets = options.secrets ?? (() => []);
  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      hooks: { streamWrite: (line) => scrub(line, secrets()) },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}

/** Secrets learnt at run time (fetched tokens, JWTs) join the config's in one registry. */
export class SecretRegistry {
  readonly #values = new Set<string>();
  add(value: string | undefined | null): void {
    if (value && value.length >= MIN_SECRET_LENGTH) this.#values.add(value);
  }
  addAll(values: Iterable<string>): void {
    for (const v of values) this.add(v);
  }
  values(): Iterable<string> {
    return this.#values;
  }
}
