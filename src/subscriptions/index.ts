/** Run-time subscriptions of webhooks to flights, carriers and airports (issue 21). */
export {
  messageFlight,
  messageIndexKeys,
  normaliseFlight,
  ruleKeys,
  ruleMatches,
  subscriptionId,
  expiryOf,
  type MatchableMessage,
  type Subscription,
  type SubscriptionRule,
} from './rule.js';
export {
  validateSubscription,
  type FieldError,
  type ValidationContext,
  type ValidationResult,
  type WebhookInfo,
} from './validate.js';
export {
  SubscriptionStore,
  IdempotencyConflictError,
  DEFAULT_FLIGHT_GRACE_MS,
  type CreateResult,
  type SubscriptionPage,
  type SubscriptionStoreOptions,
} from './store.js';
export { SubscriptionMatcher, type SubscriptionMatcherOptions } from './matcher.js';
export { testRule } from './test-rule.js';
export { createSubscriptions, type SubscriptionsRuntime } from './part.js';
