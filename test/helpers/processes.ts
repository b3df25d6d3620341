/** Child processes run as a user would: in their own process group, output captured. */
import { spawn } from 'node:child_process';

/** true while a process (pid) or, with a negative id, a process group exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface CapturedProcess {
  pid: number;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** true once it has exited (a wait for its output can give up at once). */
  hasExited(): boolean;
}

/** Starts a command in a new process group (signal it as a terminal would: kill(-pid, ...)). */
export function spawnGroup(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): CapturedProcess {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  let done = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      done = true;
      resolve(code);
    }),
  );
  return { pid: child.pid!, output: () => out, exited, hasExited: () => done };
}
