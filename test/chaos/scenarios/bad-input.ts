/**
 * 6. 1,000 bad payloads mixed into a valid stream: not JSON, invalid UTF-8, binary, empty, 1 MB+,
 * deeply nested JSON, huge numbers, odd topic names. The bridge must stay up, deliver every valid
 * message, and deliver the bad ones as ingest.invalidPayload says or dead-letter them with a reason.
 */
import type { Scenario } from '../scenario.js';
import { runStream } from '../stream.js';

function badInput(policy: 'forward' | 'deadletter'): Scenario {
  const id = `6${policy === 'forward' ? 'a' : 'b'}-bad-input-${policy}`;
  const title = `1,000 bad payloads in 4,000 valid (invalidPayload: ${policy})`;
  return {
    id,
    title,
    estimateSeconds: 45,
    run: () =>
      runStream({
        id,
        title,
        env: { ingest: { invalidPayload: policy } },
        valid: 4_000,
        bad: 1_000,
        rate: 400,
      }),
  };
}

export const badInputForward = badInput('forward');
export const badInputDeadletter = badInput('deadletter');
