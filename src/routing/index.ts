export { Router } from './router.js';
export { topicMatches } from './topic.js';
export { compileWhere, whereHolds, valueAtPath, type WhereCondition, type WhereValue } from './where.js';
export { messageKeyFn, envelopeId, type MessageKeyFn } from './message-key.js';
export {
  QueueJobWriter,
  defaultJobOptions,
  type JobOptionsFn,
  type QueueJobWriterOptions,
} from './job-writer.js';
export * from './topic.js';
export * from './router.js';
export * from './message-key.js';
