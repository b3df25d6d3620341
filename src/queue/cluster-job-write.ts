/**
 * The job writer's send step on a Redis Cluster. A raw MULTI ... EXEC on one connection cannot
 * work there (each master has its own socket), so each webhook's write is an ioredis cluster
 * transaction (`cluster.multi()`): one MULTI of [dedup gate, the adds, dedup record, extra
 * commands] sent to the master owning the webhook's slot (every key carries `{wh.<id>}`), still
 * atomic per webhook; different webhooks' writes go to their masters in parallel. With
 * redis.minReplicas, one WAIT per master touched, sent after that master's transactions answered
 * (on the connection they used): a transaction redirected by MOVED during a failover is then
 * confirmed by the node that took it, not by the one that refused it.
 */
import calculateSlot from 'cluster-key-slot';
import { Job, type Queue } from 'bullmq';
import type { Cluster } from 'ioredis';
import type { BatchJobData, DeliveryJobData, ExtraCommandsFn, JobEntry } from './job.js';
import type { DedupMemory, StoredJob } from './dedup.js';
import type { PlannedJob } from './job-plan.js';
import type { ReplicaConfirmation } from './replication.js';

/** One webhook's part of a write. */
export interface ClusterWebhookWrite {
  webhookId: string;
  queue: Queue<DeliveryJobData | BatchJobData>;
  jobs: PlannedJob[];
}

export interface ClusterJobWriteOptions {
  redis: Cluster;
  dedup: DedupMemory;
  replicas: ReplicaConfirmation;
  extraCommands?: ExtraCommandsFn;
}

export class ClusterJobWrite {
  readonly #options: ClusterJobWriteOptions;

  constructor(options: ClusterJobWriteOptions) {
    this.#options = options;
  }

  /**
   * Sends every webhook's transaction; resolves (per write, in order) with the gate's refused job
   * indexes once all are stored (and confirmed by the replicas); rejects with the first failure.
   */
  async write(writes: ClusterWebhookWrite[]): Promise<number[][]> {
    const executed = writes.map((write) => this.#send(write));
    const confirmations = this.#options.replicas.required ? this.#confirmPerMaster(writes, executed) : [];
    // allSettled, so no write is left with an unobserved rejection; the first failure is reported.
    const results = await Promise.allSettled([...executed, ...confirmations]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return results.slice(0, writes.length).map((r) => (r as PromiseFulfilledResult<number[]>).value);
  }

  /** One webhook's transaction; answers the gate's refused job indexes. */
  async #send({ webhookId, queue, jobs }: ClusterWebhookWrite): Promise<number[]> {
    const { dedup, extraCommands } = this.#options;
    // The queue's client: BullMQ defined its scripts (addStandardJob, ...) on it.
    const client = (await queue.client) as unknown as Cluster;
    const stored: StoredJob[] = jobs.map((job) => ({
      jobKey: queue.toKey(job.jobId),
      messageKeys: job.entries.map((e) => e.jobId),
    }));
    const multi = client.multi();
    dedup.queueGate(multi, webhookId, stored);
    for (const job of jobs)
      // On a transaction object addJob only queues its command; the answer comes with EXEC's.
      new Job(queue, job.name, job.data, job.opts, job.jobId).addJob(multi as never).catch(() => undefined);
    dedup.queueRecordStored(multi, webhookId, stored);
    const entries: JobEntry[] = jobs.flatMap((job) => job.entries);
    const extra = extraCommands?.(webhookId, entries, multi) ?? 0;
    // EXECABORT (a command refused while queueing, e.g. OOM) rejects with the cause named first.
    const results = await multi.exec().catch((err: Error & { previousErrors?: Error[] }) => {
      const cause = err.previousErrors?.[0];
      throw cause ? new Error(`${cause.message} (${err.message})`, { cause }) : err;
    });
    if (!results) throw new Error(`write to queue ${queue.name} was discarded by Redis`);
    // [gate, adds..., record, extra...]: the gate and the adds must have succeeded.
    for (const [err, result] of results.slice(0, jobs.length + 2)) {
      if (err) throw err;
      if (typeof result === 'number' && result < 0)
        throw new Error(`queue ${queue.name} refused a job (BullMQ code ${result})`);
    }
    for (const [err] of results.slice(results.length - extra)) if (err) throw err;
    return results[0]![1] as number[];
  }

  /** One WAIT per master (by the slot map now), after that master's transactions answered. */
  #confirmPerMaster(writes: ClusterWebhookWrite[], executed: Array<Promise<number[]>>): Array<Promise<void>> {
    const { redis, replicas } = this.#options;
    const byMaster = new Map<string, { routingKey: string; executed: Array<Promise<number[]>> }>();
    writes.forEach(({ queue, jobs }, i) => {
      const routingKey = queue.toKey(jobs[0]!.jobId);
      // An unknown slot (map not loaded yet) counts as a master of its own.
      const master = redis.slots[calculateSlot(routingKey)]?.[0] ?? routingKey;
      const group = byMaster.get(master);
      if (group) group.executed.push(executed[i]!);
      else byMaster.set(master, { routingKey, executed: [executed[i]!] });
    });
    return [...byMaster.values()].map(async (group) => {
      await Promise.all(group.executed);
      await replicas.confirm(redis, group.routingKey);
    });
  }
}
