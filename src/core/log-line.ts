/**
 * The pretty log format: one line per event, `12:00:01.234 INFO  [delivery] message key=value`,
 * coloured by level when the output is a terminal. Fields keep their JSON spelling, so a value
 * with a newline (an error stack) stays on the line; an error shows as its type and message.
 */
import type { DestinationStream } from 'pino';

const LEVELS: Record<number, [string, string]> = {
  10: ['TRACE', '\x1b[90m'],
  20: ['DEBUG', '\x1b[36m'],
  30: ['INFO ', '\x1b[32m'],
  40: ['WARN ', '\x1b[33m'],
  50: ['ERROR', '\x1b[31m'],
  60: ['FATAL', '\x1b[41m'],
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
/** Fields every line has, or that the line shows elsewhere. */
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'module']);

function clock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v !== null && typeof v === 'object') {
    const err = v as { type?: string; message?: string; code?: string };
    if (typeof err.message === 'string' && ('stack' in v || 'type' in v)) {
      return JSON.stringify(`${err.type ?? 'Error'}: ${err.message}${err.code ? ` (${err.code})` : ''}`);
    }
  }
  return JSON.stringify(v) ?? String(v);
}

/** One pino JSON line as one human line (no trailing newline). */
export function formatLogLine(json: string, colour = false): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.replace(/\n/g, ' ');
  }
  const [name, tint] = LEVELS[Number(record.level)] ?? [String(record.level), ''];
  const time = typeof record.time === 'number' ? clock(record.time) : '';
  const module = record.module === undefined ? '' : `[${String(record.module)}] `;
  const msg = String(record.msg ?? '').replace(/\s*\n\s*/g, ' ');
  const fields = Object.entries(record)
    .filter(([k, v]) => !HIDDEN.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(' ');
  if (!colour) return `${time} ${name} ${module}${msg}${fields ? ` ${fields}` : ''}`;
  return `${DIM}${time}${RESET} ${tint}${name}${RESET} ${module}${msg}${fields ? ` ${DIM}${fields}${RESET}` : ''}`;
}

/** A pino destination writing formatLogLine lines to `stream` (colour when it is a terminal). */
export function prettyDestination(
  stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
  colour = stream.isTTY === true && !process.env.NO_COLOR,
): DestinationStream {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line) stream.write(formatLogLine(line, colour) + '\n');
    },
  };
}
