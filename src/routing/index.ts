export { Router } from './router.js';
export { topicMatches } from './topic.js';
export { compileWhere, whereHolds, type WhereCondition, type WhereValue } from './where.js';
export * from './topic.js';
export * from './router.js';
export * from './where.js';
export { eventTypeMatches, eventTypeAllowed } from './type-filter.js';
export * from './job-builder.js';
export {
  buildEnvelope,
  parsePayload,
  MAX_JSON_DEPTH,
  type EnvelopeInput,
  type EnvelopeOptions,
} from './envelope.js';
