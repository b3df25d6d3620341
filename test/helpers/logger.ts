/** A real pino logger whose lines the test can read. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/core/logger.js';
import type { LogLevel } from '../../src/config/index.js';

export interface CapturedLogger {
  logger: Logger;
  lines: string[];
  records(): Array<Record<string, unknown>>;
}

export function captureLogger(
  options: { level?: LogLevel; secrets?: () => Iterable<string> } = {},
): CapturedLogger {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(line);
      cb();
    },
  });
  const logger = createLogger({
    level: options.level ?? 'debug',
    format: 'json',
    destination,
    secrets: options.secrets,
  });
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
