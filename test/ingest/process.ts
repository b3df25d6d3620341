/** Runs test/ingest/fixtures/ingest-process.ts as a child and follows its status lines. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../helpers/servers.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/ingest-process.ts', import.meta.url));

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

  constructor(configFile: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child.once('exit', () => (this.exited = true));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
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

  async waitConnected(timeoutMs = 20_000): Promise<void> {
    await waitFor(
      () =>
        this.status.connected ||
        (this.exited && Promise.reject(new Error(`ingest process exited: ${this.stderr}`))),
      timeoutMs,
      'the ingest process to connect',
    );
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    await exited;
  }
}
