/**
 * The bridge as a black box: `flup-bridge run --config <file>` in a child process, started,
 * SIGKILLed, SIGTERMed and restarted by the suite. Its stderr/stdout (JSON log lines) are kept so a
 * scenario can look for errors and crashes, and /readyz on its admin port says when it is up and
 * whether it holds the ingest leader lock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;

/**
 * `node --import tsx src/cli/main.ts`, or the build with FLUP_CHAOS_DIST=1, or another entry
 * point taking the same arguments with FLUP_CHAOS_ENTRY=<file.ts> (e.g. a bisecting wrapper).
 */
export function bridgeCommand(allowEntryOverride = true): string[] {
  if (allowEntryOverride && process.env.FLUP_CHAOS_ENTRY)
    return ['--import', 'tsx', process.env.FLUP_CHAOS_ENTRY];
  if (process.env.FLUP_CHAOS_DIST === '1') {
    const main = join(REPO_ROOT, 'dist/cli/main.js');
    if (!existsSync(main))
      throw new Error('FLUP_CHAOS_DIST=1 but dist/cli/main.js is missing: run npm run build');
    return [main];
  }
  return ['--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts')];
}

/** The child's environment: ours without FLUP_* (the test runner sets FLUP_LOG_LEVEL=silent). */
export function bridgeEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('FLUP_')) env[key] = value;
  return { ...env, ...extra };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliResult extends Exit {
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Runs a flup-bridge command (always the real CLI) to its end, or kills it after timeoutMs. */
export async function runCli(args: string[], timeoutMs = 30_000): Promise<CliResult & { timedOut: boolean }> {
  const started = Date.now();
  const child = spawn(process.execPath, [...bridgeCommand(false), ...args], {
    cwd: REPO_ROOT,
    env: bridgeEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const exit = await new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  clearTimeout(timer);
  return { ...exit, stdout, stderr, durationMs: Date.now() - started, timedOut };
}

export interface LogLine {
  level?: number;
  msg?: string;
  [key: string]: unknown;
}

export class BridgeProcess {
  #child?: ChildProcess;
  #exited?: Promise<Exit>;
  /** Every exit that was not asked for (a crash). */
  readonly crashes: Array<Exit & { stderrTail: string }> = [];
  readonly logs: LogLine[] = [];
  /** Raw output lines that are not JSON (stack traces, CLI errors). */
  readonly rawLines: string[] = [];
  starts = 0;
  kills = 0;
  #expectingExit = false;

  constructor(
    readonly name: string,
    readonly configPath: string,
    readonly adminPort: number,
    private readonly extraArgs: string[] = [],
  ) {}

  get running(): boolean {
    const child = this.#child;
    return !!child && child.exitCode === null && child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    const child = spawn(
      process.execPath,
      [...bridgeCommand(), 'run', '--config', this.configPath, ...this.extraArgs],
      { cwd: REPO_ROOT, env: bridgeEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.starts += 1;
    this.#expectingExit = false;
    let tail = '';
    const onLine = (line: string) => {
      if (!line.trim()) return;
      tail = (tail + line + '\n').slice(-4000);
      try {
        const parsed = JSON.parse(line) as LogLine;
        if (this.logs.length < 20_000) this.logs.push(parsed);
      } catch {
        if (this.rawLines.length < 2000) this.rawLines.push(line);
      }
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = '';
      stream.on('data', (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) onLine(line);
      });
    }
    this.#exited = new Promise<Exit>((resolve) =>
      child.once('exit', (code, signal) => {
        if (!this.#expectingExit) this.crashes.push({ code, signal, stderrTail: tail });
        resolve({ code, signal });
      }),
    );
    this.#child = child;
  }

  /** Sends the signal and waits for the exit (SIGKILL after graceMs when SIGTERM is not enough). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 30_000): Promise<Exit | undefined> {
    const child = this.#child;
    if (!child || !this.running) return undefined;
    this.#expectingExit = true;
    if (signal === 'SIGKILL') this.kills += 1;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const exit = await this.#exited!;
    clearTimeout(timer);
    return exit;
  }

  async kill(): Promise<void> {
    await this.stop('SIGKILL');
  }

  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.stop(signal);
    this.start();
  }

  /** /readyz as JSON, or undefined when the admin server does not answer. */
  async readiness(): Promise<
    | { status: number; body: { ready?: boolean; checks?: Record<string, Record<string, unknown>> } }
    | undefined
  > {
    try {
      const res = await fetch(`http://127.0.0.1:${this.adminPort}/readyz`, {
        signal: AbortSignal.timeout(2000),
      });
      const text = await res.text();
      let body = {};
      try {
        body = JSON.parse(text) as object;
      } catch {
        body = {};
      }
      return { status: res.status, body };
    } catch {
      return undefined;
    }
  }

  /** Role of the ingest part from /readyz: leader | standby | undefined. */
  async role(): Promise<string | undefined> {
    const answer = await this.readiness();
    const role = answer?.body.checks?.mqtt?.role;
    return typeof role === 'string' ? role : undefined;
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        const crash = this.crashes.at(-1);
        throw new Error(
          `${this.name} exited before it was ready (code ${crash?.code}, signal ${crash?.signal}):\n${crash?.stderrTail ?? ''}`,
        );
      }
      const answer = await this.readiness();
      if (answer?.status === 200) return;
      await sleep(100);
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms; last output:\n${this.tail()}`);
  }

  /** The last lines of output, for failure messages. */
  tail(lines = 20): string {
    const json = this.logs.slice(-lines).map((l) => JSON.stringify(l));
    return [...json, ...this.rawLines.slice(-lines)].join('\n');
  }

  /** Log lines at level >= error (pino: 50). */
  errors(): LogLine[] {
    return this.logs.filter((l) => (l.level ?? 0) >= 50);
  }
}
