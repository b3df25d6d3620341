/**
 * The shape most scenarios share: start an environment, run a message stream and a fault schedule
 * at the same time, make sure every bridge is back up, drain (bounded), count, clean up.
 */
import { ChaosEnv, type DrainOptions, type EnvOptions, type ScenarioResult } from './harness.js';
import { buildStream } from './payloads.js';

export interface StreamSpec {
  id: string;
  title: string;
  env?: EnvOptions;
  valid: number;
  bad?: number;
  /** Messages per second. */
  rate: number;
  /** Breaks things while the stream runs; streamMs = the stream's planned length. */
  chaos?: (env: ChaosEnv, streamMs: number) => Promise<void>;
  /** Prepares the environment after the warm-up message (e.g. sets receiver faults). */
  before?: (env: ChaosEnv) => void | Promise<void>;
  drain?: DrainOptions;
  /** Fail when a bridge had to be started again (the fault must be ridden, not restarted). */
  noRestarts?: boolean;
  /** After the drain, before the environment goes: more checks and notes on the result. */
  after?: (env: ChaosEnv, result: ScenarioResult) => Promise<void>;
  /** Put the event log into the notes even when the scenario passed (timings of the faults). */
  eventNotes?: boolean;
}

export async function runStream(spec: StreamSpec): Promise<ScenarioResult> {
  const env = new ChaosEnv(spec.env);
  const invalidPayload =
    (spec.env?.ingest?.invalidPayload as 'forward' | 'deadletter' | undefined) ?? 'forward';
  try {
    await env.start();
    await env.startBridges();
    await spec.before?.(env);
    const messages = buildStream(spec.valid, spec.bad ?? 0);
    const streamMs = (messages.length / spec.rate) * 1000;
    const [published] = await Promise.all([
      env.publish(messages, spec.rate),
      spec.chaos?.(env, streamMs).then(() => env.note('fault schedule done')),
    ]);
    // A fault schedule may leave a bridge down (killed last); the drain needs them all up.
    for (const bridge of env.bridges) if (!bridge.running) bridge.start();
    const drained = await env.drain(published, { invalidPayload, ...spec.drain });
    env.note(`drained in ${drained.drainMs} ms (complete: ${drained.complete})`);
    const result = env.result(spec.id, spec.title, published, drained, invalidPayload);
    const restarts = env.bridges.reduce((n, b) => n + b.starts - 1, 0);
    if (restarts > 0) result.notes.push(`bridge restarts: ${restarts}`);
    await spec.after?.(env, result);
    result.failures.push(...env.switchFindings);
    if (spec.noRestarts && restarts > 0) result.failures.push(`the bridge was restarted ${restarts}×`);
    result.notes.push(...(spec.eventNotes ? env.events.map((e) => `event ${e}`) : []));
    if (!spec.eventNotes && (process.env.FLUP_CHAOS_VERBOSE === '1' || result.failures.length > 0)) {
      result.notes.push(...env.events.map((e) => `event ${e}`));
      for (const bridge of env.bridges) {
        const errors = bridge.errors();
        if (errors.length > 0) {
          result.notes.push(
            `${bridge.name}: ${errors.length} error log lines, last: ${JSON.stringify(errors.at(-1)).slice(0, 400)}`,
          );
        }
      }
    }
    return result;
  } catch (err) {
    return failedResult(spec.id, spec.title, err, env);
  } finally {
    await env.dispose();
  }
}

export function failedResult(id: string, title: string, err: unknown, env?: ChaosEnv): ScenarioResult {
  return {
    id,
    title,
    published: env?.publisher?.acked.size ?? 0,
    delivered: env?.receiver.uniqueDelivered ?? 0,
    duplicates: 0,
    lost: 0,
    deadLetters: 0,
    deadLetterReasons: {},
    drainMs: 0,
    misrouted: 0,
    crashes: env?.bridges.reduce((n, b) => n + b.crashes.length, 0) ?? 0,
    badSignatures: 0,
    notes: env ? env.events.map((e) => `event ${e}`) : [],
    failures: [`scenario did not complete: ${err instanceof Error ? err.message : String(err)}`],
  };
}
