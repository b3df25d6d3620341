/**
 * Request/answer over a forked child's IPC channel: the harness sends { id, cmd, ... }, the child
 * answers { id, ... } or { id, error }. Used by the receiver and the publisher.
 */
import type { ChildProcess } from 'node:child_process';

export interface RpcRequest {
  id: number;
  cmd: string;
  [key: string]: unknown;
}

let nextId = 1;

/** Sends one command; rejects if the child exits or does not answer within timeoutMs. */
export function call<T>(child: ChildProcess, cmd: string, args: object = {}, timeoutMs = 30_000): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (msg: { id?: number; error?: string }) => {
      if (msg?.id !== id) return;
      cleanup();
      if (msg.error) reject(new Error(`${cmd}: ${msg.error}`));
      else resolve(msg as T);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`${cmd}: child exited (code ${code}) before answering`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${cmd}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send({ id, cmd, ...args });
  });
}

/** In the child: answers each command with the handler's result. */
export function serve(handler: (req: RpcRequest) => Promise<object> | object): void {
  process.on('message', (req: RpcRequest) => {
    Promise.resolve()
      .then(() => handler(req))
      .then(
        (result) => process.send?.({ ...result, id: req.id }),
        (err: Error) => process.send?.({ id: req.id, error: err.message }),
      );
  });
  // The harness went away: do not linger.
  process.on('disconnect', () => process.exit(0));
}
