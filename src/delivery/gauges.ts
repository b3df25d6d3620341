/** Job counts per queue state, as the `jobs` gauge and as QueueCounts for the admin API. */
import type { Queue } from 'bullmq';
import type { Metrics } from '../core/index.js';
import type { QueueCounts } from '../admin/index.js';

export async function queueCounts(queue: Queue): Promise<QueueCounts> {
  const c = await queue.getJobCounts(
    'waiting',
    'prioritized',
    'active',
    'delayed',
    'completed',
    'failed',
    'paused',
  );
  return {
    waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
    active: c.active ?? 0,
    delayed: c.delayed ?? 0,
    completed: c.completed ?? 0,
    failed: c.failed ?? 0,
    paused: c.paused ?? 0,
  };
}

export async function refreshJobGauges(
  metrics: Metrics,
  webhookId: string,
  queue: Queue,
): Promise<QueueCounts> {
  const counts = await queueCounts(queue);
  for (const [state, n] of Object.entries(counts)) metrics.jobs.set({ webhook: webhookId, state }, n);
  return counts;
}
