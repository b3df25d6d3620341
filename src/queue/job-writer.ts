/**
 * Writes ingest's jobs to the webhooks' BullMQ queues (`wh.<id>` under redis.prefix): one job per
 * message (job id = message key) or, for a webhook that batches, batch jobs (see job-plan.ts).
 * Redeliveries are refused by the dedup memory inside the write itself: per webhook one MULTI of
 * [dedup gate, the adds, dedup record, extra commands], and every webhook's MULTI (plus the WAIT of
 * redis.minReplicas) leaves in one socket write: one round trip per batch on the steady path.
 * Resolves only when Redis has every job (and the replicas, with minReplicas); rejects otherwise,
 * and ingest then sends no PUBACK for the batch. On a Redis Cluster (chosen once, at construction)
 * the send step is ClusterJobWrite's: the same MULTI per webhook, on the master owning its slot.
 * With `claims` (a worker of this process with room for a write's jobs, nothing older waiting), the
 * jobs are written straight to the active list for that worker instead (claimed-add.ts): one script
 * instead of the MULTI, and no fetch. The completions of claimed jobs that finished since the last
 * write go in the same socket write. (Never offered for `ordering: flight` webhooks, whose extra
 * commands only the MULTI sends.)
 */
import { Job, type Queue, type JobsOptions } from 'bullmq';
import type { Config, WebhookConfig } from '../config/index.js';
import type { BatchJobData, DeliveryJobData, ExtraCommandsFn, JobEntry, JobSink } from './job.js';
import { batchJobOptions, COMPLETED_KEPT } from './options.js';
import type { Logger } from '../core/index.js';
import { Cluster } from 'ioredis';
import { definedScripts, inOneWrite, ScriptPreload, type RedisClient } from '../redis/index.js';
import type { ClaimedJob, JobClaims } from './claims.js';
import { ADD_CLAIMED_SCRIPT, claimable, claimedJobs, sendClaimedAdd } from './claimed-add.js';
import { COMPLETE_CLAIMED_SCRIPT } from './claimed-complete.js';
import { ClusterJobWrite } from './cluster-job-write.js';
import { openWebhookQueue } from './queues.js';
import { DedupMemory } from './dedup.js';
import { planJobs, type PlannedJob } from './job-plan.js';
import { ReplicaConfirmation } from './replication.js';

export type JobOptionsFn = (webhook: WebhookConfig) => JobsOptions;

export type { ExtraCommandsFn } from './job.js';

export interface QueueJobWriterOptions {
  config: Config;
  /** A non-blocking connection; the queues use it too. Its own one when redis.minReplicas > 0
   * (WAIT blocks the connection while it waits). */
  redis: RedisClient;
  logger: Logger;
  /** Retention, attempts and backoff per webhook; delivery's jobOptionsFor in production. */
  jobOptions?: JobOptionsFn;
  /**
   * Hook: more commands for a webhook's MULTI, sent after its jobs and dedup record so they are
   * stored with them or not at all; returns how many it queued. Issue 20 uses it to enter jobs of
   * `ordering: flight` webhooks in their flight's pending set.
   */
  extraCommands?: ExtraCommandsFn;
  /** Counts batches the replicas did not confirm in time (redis.minReplicas). */
  onReplicationTimeout?: () => void;
  /** This process's delivery workers, to hand them jobs at once (not on a Redis Cluster). */
  claims?: JobClaims;
}

/** Completed jobs go (the dedup memory remembers their messages); dead letters are kept. */
export function defaultJobOptions(): JobOptionsFn {
  return () => ({ removeOnComplete: { count: COMPLETED_KEPT }, removeOnFail: false });
}

interface Target {
  webhook: WebhookConfig;
  queue: Queue<DeliveryJobData | BatchJobData>;
  options: JobsOptions;
}

type QueueClient = Awaited<Queue['client']>;

/** One webhook's part of a write. */
interface WebhookWrite {
  target: Target;
  jobs: PlannedJob[];
}

/** What Redis answered for one webhook's MULTI. */
interface WriteResult {
  /** 1-based indexes of the jobs the dedup gate refused. */
  gated: number[];
  /** Jobs handed to a local worker (claims.ts). */
  claimed: ClaimedJob[];
}

export class QueueJobWriter implements JobSink {
  readonly #targets = new Map<string, Target>();
  readonly #dedup: DedupMemory;
  /** The writer's connection; the queues use it too (so MULTI and their adds share one socket). */
  readonly #redis: RedisClient;
  readonly #batchOptions: JobsOptions;
  readonly #extraCommands?: ExtraCommandsFn;
  readonly #replicas: ReplicaConfirmation;
  /** Set on a Redis Cluster: one transaction per webhook on its master (see cluster-job-write.ts). */
  readonly #cluster?: ClusterJobWrite;
  readonly #claims?: JobClaims;
  /** The scripts sent with EVALSHA inside the MULTIs. */
  readonly #scripts: ScriptPreload;
  #bullScriptsAdded = false;

  constructor(options: QueueJobWriterOptions) {
    const { config } = options;
    const jobOptions = options.jobOptions ?? defaultJobOptions();
    const log = options.logger.child({ module: 'job-writer' });
    this.#redis = options.redis;
    for (const webhook of config.webhooks) {
      const queue = openWebhookQueue<DeliveryJobData | BatchJobData>(
        options.redis,
        config.redis.prefix,
        webhook.id,
      );
      // Connection errors surface as rejected writes; ingest reports those.
      queue.on('error', (err) => log.debug({ err, webhook: webhook.id }, 'queue error'));
      this.#targets.set(webhook.id, { webhook, queue, options: jobOptions(webhook) });
    }
    this.#dedup = new DedupMemory({
      redis: options.redis,
      prefix: config.redis.prefix,
      windowMs: config.ingest.dedupWindow,
      maxCount: config.delivery.completedMaxCount,
    });
    this.#batchOptions = batchJobOptions(config);
    this.#extraCommands = options.extraCommands;
    this.#replicas = new ReplicaConfirmation({
      minReplicas: config.redis.minReplicas,
      timeoutMs: config.redis.minReplicasTimeout,
      logger: log,
      onTimeout: options.onReplicationTimeout,
    });
    this.#scripts = new ScriptPreload(options.redis, [
      ...DedupMemory.scripts,
      ADD_CLAIMED_SCRIPT,
      COMPLETE_CLAIMED_SCRIPT,
    ]);
    if (!(options.redis instanceof Cluster)) this.#claims = options.claims;
    if (options.redis instanceof Cluster)
      this.#cluster = new ClusterJobWrite({
        redis: options.redis,
        dedup: this.#dedup,
        replicas: this.#replicas,
        extraCommands: this.#extraCommands,
      });
  }

  async addBulk(entries: JobEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const byWebhook = new Map<string, JobEntry[]>();
    for (const entry of entries) {
      if (!this.#targets.has(entry.webhookId))
        throw new Error(`no queue for webhook "${entry.webhookId}": it is not in the configuration`);
      const list = byWebhook.get(entry.webhookId);
      if (list) list.push(entry);
      else byWebhook.set(entry.webhookId, [entry]);
    }
    const refused = await this.#write(byWebhook, false);
    // A batch job holding a message stored before was refused whole: its messages go again, each
    // as a job of its own, which the gate refuses one by one (rare: redeliveries only).
    if (refused.size > 0) await this.#write(refused, true);
  }

  /** One socket write for every webhook; answers the entries of refused batch jobs per webhook. */
  async #write(byWebhook: Map<string, JobEntry[]>, singlesOnly: boolean): Promise<Map<string, JobEntry[]>> {
    const writes: WebhookWrite[] = [...byWebhook].map(([webhookId, list]) => {
      const target = this.#targets.get(webhookId)!;
      const plan = {
        webhook: target.webhook,
        single: target.options,
        batch: this.#batchOptions,
        singlesOnly,
      };
      return { target, jobs: planJobs(list, plan) };
    });
    if (this.#cluster) return refusedEntries(writes, await this.#clusterWrite(this.#cluster, writes));
    const clients = await Promise.all(writes.map(({ target }) => target.queue.client));
    this.#preloadBullScripts(clients[0]!);
    // From the first MULTI to the WAIT, no await: the commands go out in one write, in this order.
    const sent = inOneWrite(this.#redis, () => {
      this.#scripts.prepare();
      const executed = writes.map((write, i) => this.#sendWrite(write, clients[i]!));
      // Completions of claimed jobs ride in this write (outside the MULTIs: they fail alone).
      for (const complete of this.#claims?.takeCompletions() ?? []) complete(clients[0]!);
      const last = writes.at(-1)!;
      const confirmed = this.#replicas.required
        ? this.#replicas.confirm(this.#redis, last.target.queue.toKey(last.jobs[0]!.jobId))
        : undefined;
      return { executed, confirmed };
    });
    // Claimed jobs run once their webhook's MULTI succeeded, even when another part of the write
    // failed: they are in Redis, active and locked, and only this process would run them. They
    // start after this turn's PUBACKs: a broker with Nagle on holds its next PUBLISH until our
    // TCP ACK, which rides on the PUBACK.
    sent.executed.forEach((executed, i) =>
      executed.then(
        ({ claimed }) =>
          claimed.length > 0 && setImmediate(() => this.#claims!.run(writes[i]!.target.webhook.id, claimed)),
        () => undefined,
      ),
    );
    // allSettled, so no write is left with an unobserved rejection; the first failure is reported.
    const results = await settleAll([...sent.executed, ...(sent.confirmed ? [sent.confirmed] : [])]);
    return refusedEntries(
      writes,
      (results.slice(0, writes.length) as WriteResult[]).map((r) => r.gated),
    );
  }

  #clusterWrite(cluster: ClusterJobWrite, writes: WebhookWrite[]): Promise<number[][]> {
    return cluster.write(
      writes.map(({ target, jobs }) => ({ webhookId: target.webhook.id, queue: target.queue, jobs })),
    );
  }

  /**
   * Sends one webhook's write (before this returns) and answers the gate's refused job indexes
   * once Redis has the jobs. When a local worker has room for every job, the claimed write;
   * otherwise, or when Redis declines that one, the ordinary MULTI.
   */
  #sendWrite(write: WebhookWrite, client: QueueClient): Promise<WriteResult> {
    const { target, jobs } = write;
    const offer = claimable(jobs) ? this.#claims?.offer(target.webhook.id, jobs.length) : undefined;
    if (!offer || offer.tokens.length < jobs.length) return this.#sendMulti(write, client);
    const { queue, webhook } = target;
    const added = jobs.map((job) => new Job(queue, job.name, job.data, job.opts, job.jobId));
    const dedup = this.#dedup.window(webhook.id);
    // Sent after this write's WAIT (redis.minReplicas): it waits for the replicas on its own.
    const ordinary = () => {
      const stored = this.#sendMulti(write, client);
      if (!this.#replicas.required) return stored;
      const confirmed = this.#replicas.confirm(this.#redis, queue.toKey(jobs[0]!.jobId));
      return Promise.all([stored, confirmed]).then(([result]) => result);
    };
    return sendClaimedAdd(this.#redis, queue as Queue, jobs, added, offer, dedup).then(
      (result) =>
        result
          ? { gated: result.gated, claimed: claimedJobs(result.claimed, added, offer, dedup.now) }
          : ordinary(),
      (err: Error) => {
        // NOSCRIPT: nothing was written; load the scripts again and write the ordinary way.
        if (!String(err.message).startsWith('NOSCRIPT')) throw err;
        this.#scripts.forget();
        this.#scripts.prepare();
        return ordinary();
      },
    );
  }

  /**
   * Sends one webhook's MULTI and answers the gate's refused job indexes once EXEC succeeded. Plain
   * commands between MULTI and EXEC on the connection (nothing else can be sent in between): an
   * ioredis pipeline or transaction object (queue.addBulk builds one) copies all of BullMQ's
   * scripts, ~80 µs and ~10 KB of garbage per write.
   */
  #sendMulti({ target, jobs }: WebhookWrite, client: QueueClient): Promise<WriteResult> {
    const { queue, webhook } = target;
    const redis = this.#redis;
    // Each command answers QUEUED or fails with the EXEC; the first refusal is kept because EXEC
    // then only says EXECABORT, while the cause (e.g. `OOM command not allowed`) is this one.
    let refused: Error | undefined;
    const queued: Array<Promise<unknown>> = [];
    const ignore = (err: Error) => void (refused ??= err);
    const stored = jobs.map((job) => ({
      jobKey: queue.toKey(job.jobId),
      messageKeys: job.entries.map((e) => e.jobId),
    }));
    redis.multi({ pipeline: false }).catch(ignore);
    this.#dedup.gate(webhook.id, stored).catch(ignore);
    for (const job of jobs)
      // addJob sends its command before its first await (test/routing/job-writer.test.ts checks
      // the record, which counts only existing jobs, sees every job).
      queued.push(new Job(queue, job.name, job.data, job.opts, job.jobId).addJob(client).catch(ignore));
    this.#dedup.recordStored(webhook.id, stored).catch(ignore);
    const extra =
      this.#extraCommands?.(
        webhook.id,
        jobs.flatMap((job) => job.entries),
        redis,
      ) ?? 0;
    const executed = redis.exec().catch(async (err: Error) => {
      // addJob's refusal reaches its catch a few awaits after EXEC's: let it arrive first.
      await Promise.all(queued);
      this.#forgetScriptsOn(refused);
      throw refused && /^EXECABORT/.test(err.message) ? transactionRefused(refused, err) : err;
    });
    return executed.then((results) => {
      if (!results) throw new Error(`write to queue ${queue.name} was discarded by Redis`);
      // [gate, adds..., record, extra...]: the gate and the adds must have succeeded.
      for (const [err, result] of results.slice(0, jobs.length + 2)) {
        if (err) {
          this.#forgetScriptsOn(err);
          throw err;
        }
        // BullMQ's add script answers a negative code instead of an id when it refuses the job.
        if (typeof result === 'number' && result < 0)
          throw new Error(`queue ${queue.name} refused a job (BullMQ code ${result})`);
      }
      // The extra commands must have succeeded too (an ordered flight would wait on a missing entry).
      for (const [err] of results.slice(results.length - extra)) if (err) throw err;
      return { gated: results[0]![1] as number[], claimed: [] };
    });
  }

  /**
   * BullMQ's add scripts go inside our MULTI too. ioredis sends a script's first use on a socket as
   * EVAL and marks it loaded, but inside a MULTI that Redis then discards (OOM), nothing was loaded
   * and the mark stays: every later EVALSHA would answer NOSCRIPT at EXEC. So they are preloaded
   * (and reloaded after a NOSCRIPT) with ours.
   */
  #preloadBullScripts(client: QueueClient): void {
    if (this.#bullScriptsAdded) return;
    this.#bullScriptsAdded = true;
    for (const script of definedScripts(client, /^add\w*Job:/)) this.#scripts.add(script);
  }

  /** A NOSCRIPT (SCRIPT FLUSH, a restarted Redis): load the scripts again before the next write. */
  #forgetScriptsOn(err: Error | null | undefined): void {
    if (String(err?.message).startsWith('NOSCRIPT')) this.#scripts.forget();
  }

  /** Closes the queues; the connection stays open (its owner closes it). */
  async close(): Promise<void> {
    await Promise.all([...this.#targets.values()].map(({ queue }) => queue.close()));
  }
}

/** The entries of the batch jobs the gate refused, per webhook (`gated`: 1-based indexes per write). */
function refusedEntries(writes: WebhookWrite[], gated: number[][]): Map<string, JobEntry[]> {
  const refused = new Map<string, JobEntry[]>();
  writes.forEach(({ target, jobs }, i) => {
    const batches = gated[i]!.map((n) => jobs[n - 1]!).filter((job) => job.isBatch);
    if (batches.length > 0)
      refused.set(
        target.webhook.id,
        batches.flatMap((job) => job.entries),
      );
  });
  return refused;
}

/** Waits for every promise (no rejection left unobserved); rethrows the first failure. */
async function settleAll(writes: Array<Promise<unknown>>): Promise<unknown[]> {
  const results = await Promise.allSettled(writes);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value);
}

/** The refusal inside a discarded MULTI, named first (`OOM command not allowed ...`), EXECABORT after. */
function transactionRefused(cause: Error, execError: Error): Error {
  const err = new Error(`${cause.message} (${execError.message})`, { cause });
  err.name = cause.name;
  return err;
}
