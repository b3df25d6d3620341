/**
 * POST /api/subscriptions/test: which recent messages a rule would have matched, without storing
 * it. The messages come from the caller (the timeline's recentMessages is the natural source).
 */
import { ruleMatches, type MatchableMessage, type SubscriptionRule } from './rule.js';

export function testRule<M extends MatchableMessage>(
  rule: SubscriptionRule,
  recentMessages: readonly M[],
): M[] {
  return recentMessages.filter((msg) => ruleMatches(rule, msg));
}
