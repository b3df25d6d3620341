/**
 * Per-webhook `events` filters (pattern syntax: core/event-type.ts). The config schema checks the
 * filter syntax.
 */
import { eventTypeMatches } from '../core/index.js';

export { eventTypeMatches };

/** A webhook's filter list: empty = every type, otherwise any filter matching is enough. */
export function eventTypeAllowed(filters: readonly string[], type: string): boolean {
  return filters.length === 0 || filters.some((filter) => eventTypeMatches(filter, type));
}
