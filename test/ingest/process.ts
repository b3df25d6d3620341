/** Runs test/ingest/fixtures/ingest-process.ts as a child and follows its status lines. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitWhileProgressing } from '../helpers/progress.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/ingest-process.ts', import.meta.url));
const LAUNCH = fileURLToPath(new URL('../helpers/launch.ts', import.meta.url));

export interface Status {
  role: string;
  connected: boolean;
  paused: boolean;
}

export class IngestProcess {
  readonly child: ChildProcess;
  status: Status = { role: 'starting', connected: false, paused: false };
  /** Every status the process reported, oldest first. */
  readonly history: Status[] = [];
  exited = false;
  stderr = '';
  /** Lines printed so far (loading stages, statuses): the process's progress. */
  #lines = 0;

  constructor(configFile: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', LAUNCH, SCRIPT, configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child.once('exit', () => (this.exited = true));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.#lines += 1;
      try {
        const msg = JSON.parse(line) as { event: string } & Status;
        if (msg.event === 'status') {
          this.status = { role: msg.role, connected: msg.connected, paused: msg.paused };
          this.history.push(this.status);
        }
      } catch {
        // not ours
      }
    });
  }

  /**
   * Resolves once a reported status satisfies `check`. The guard is on silence, not on the total:
   * a process that keeps reporting progress (loading stages, started, standby, leader) is waited
   * for; one that prints nothing new for quietMs, or exits, fails the test. Under load a start is
   * slow, not silent.
   */
  async waitUntil(check: (status: Status) => boolean, what: string, quietMs = 20_000): Promise<void> {
    await waitWhileProgressing(
      () =>
        check(this.status) ||
        (this.exited && Promise.reject(new Error(`ingest process exited: ${this.stderr}`))),
      () => this.#lines,
      quietMs,
      `the ingest process to ${what}`,
    );
  }

  waitConnected(quietMs = 20_000): Promise<void> {
    return this.waitUntil((status) => status.connected, 'connect', quietMs);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    await exited;
  }
}
