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
