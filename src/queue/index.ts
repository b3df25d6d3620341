/**
 * The contract between ingest and delivery: job shapes, the envelope type, job options, the job
 * writer with its dedup and message keys, and the one way to open a webhook's queue.
 */
export * from './envelope.js';
export * from './job.js';
export * from './options.js';
export * from './queues.js';
export { messageKeyFn, envelopeId, type MessageKeyFn } from './message-key.js';
export { DedupMemory, type StoredJob } from './dedup.js';
export {
  QueueJobWriter,
  defaultJobOptions,
  type ExtraCommandsFn,
  type JobOptionsFn,
  type QueueJobWriterOptions,
} from './job-writer.js';
export { ReplicaConfirmation, ReplicationTimeoutError } from './replication.js';
export {
  type ClaimedJob,
  type ClaimOffer,
  type HeldCompletion,
  type JobClaims,
  type QueueConnection,
} from './claims.js';
export { completedKept, sendClaimedCompletion } from './claimed-complete.js';
