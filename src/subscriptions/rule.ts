/**
 * What a subscription is: its selectors (flight+date, flight, carrier, departure / arrival
 * airport), optional event-type filters and expiry; how flight numbers are normalised; which index
 * keys a rule is filed under and which keys a message looks up. Pure: no Redis, no clock.
 */
import { createHash } from 'node:crypto';
import { eventTypeMatches } from '../core/index.js';

/** A stored subscription (normalised: flight "LH400", carrier "LH", airports "FRA"). */
export interface Subscription {
  id: string;
  webhookId: string;
  /** Carrier + number without leading zeros, e.g. "LH400". */
  flight?: string;
  /** YYYY-MM-DD (UTC), only together with flight. */
  date?: string;
  carrier?: string;
  departureAirport?: string;
  arrivalAirport?: string;
  /** Event-type patterns (`flight.*`); absent = every event type. */
  events?: string[];
  /** ISO time after which the subscription no longer matches; absent = never. */
  expiresAt?: string;
  createdAt: string;
}

/** A validated rule before it is stored (no id, no createdAt). */
export type SubscriptionRule = Omit<Subscription, 'id' | 'createdAt'>;

/** The fields of a message the matcher reads (flightNumber as in the topic: "400" or "0400"). */
export interface MatchableMessage {
  carrier: string;
  flightNumber: string;
  date: string;
  eventType: string;
  departureAirport?: string;
  arrivalAirport?: string;
}

/** IATA (2 letters/digits) or ICAO (3 letters) designator, 1-4 digits, optional suffix letter. */
const FLIGHT = /^([A-Z0-9]{2}|[A-Z]{3}) ?0*(\d{1,4})([A-Z]?)$/;

/** "LH400", "LH 400", "lh0400" → "LH400"; undefined when it is not a flight number. */
export function normaliseFlight(input: string): string | undefined {
  const match = FLIGHT.exec(input.trim().toUpperCase());
  if (!match) return undefined;
  const [, carrier, number, suffix] = match;
  // "LH0" is not a flight; the regex allows it only because zeros are stripped before the digits.
  if (/^0+$/.test(number!)) return undefined;
  return `${carrier}${number}${suffix}`;
}

/** A message's flight in the same form: carrier "LH" + number "0400" → "LH400". */
export function messageFlight(carrier: string, flightNumber: string): string {
  return `${carrier}${flightNumber.replace(/^0+(?=\d)/, '')}`.toUpperCase();
}

/**
 * The index keys a rule needs a message to have, most specific first: the rule is filed under the
 * first, the others are checked after that lookup (carrier LH + departureAirport FRA).
 */
export function ruleKeys(rule: SubscriptionRule): string[] {
  const keys: string[] = [];
  if (rule.flight) keys.push(rule.date ? `flight:${rule.flight}:${rule.date}` : `flight:${rule.flight}`);
  if (rule.carrier) keys.push(`carrier:${rule.carrier}`);
  if (rule.departureAirport) keys.push(`dep:${rule.departureAirport}`);
  if (rule.arrivalAirport) keys.push(`arr:${rule.arrivalAirport}`);
  if (keys.length === 0)
    throw new Error('a subscription rule needs a selector (validateSubscription checks it)');
  return keys;
}

/** Every index key a message can match under: at most five, so a lookup is O(1) in subscriptions. */
export function messageIndexKeys(msg: MatchableMessage): string[] {
  const flight = messageFlight(msg.carrier, msg.flightNumber);
  const keys = [`flight:${flight}:${msg.date}`, `flight:${flight}`, `carrier:${msg.carrier.toUpperCase()}`];
  if (msg.departureAirport) keys.push(`dep:${msg.departureAirport.toUpperCase()}`);
  if (msg.arrivalAirport) keys.push(`arr:${msg.arrivalAirport.toUpperCase()}`);
  return keys;
}

/** Whether a rule (given by its keys and event filters) matches a message given by its keys. */
export function keysMatch(
  ruleKeyList: readonly string[],
  events: readonly string[] | undefined,
  messageKeys: readonly string[],
  eventType: string,
): boolean {
  for (const key of ruleKeyList) if (!messageKeys.includes(key)) return false;
  return !events || events.some((pattern) => eventTypeMatches(pattern, eventType));
}

/** Whether a rule matches a message (for POST /api/subscriptions/test; the hot path uses the index). */
export function ruleMatches(rule: SubscriptionRule, msg: MatchableMessage): boolean {
  return keysMatch(ruleKeys(rule), rule.events, messageIndexKeys(msg), msg.eventType);
}

/**
 * The same rule for the same webhook gets the same id (idempotent create): a hash of its
 * selectors and sorted event filters. expiresAt is not part of the identity.
 */
export function subscriptionId(rule: SubscriptionRule): string {
  const identity = [
    rule.webhookId,
    rule.flight ?? '',
    rule.date ?? '',
    rule.carrier ?? '',
    rule.departureAirport ?? '',
    rule.arrivalAirport ?? '',
    [...(rule.events ?? [])].sort().join(','),
  ].join('\n');
  return `sub_${createHash('sha256').update(identity).digest('base64url').slice(0, 22)}`;
}

const DAY_MS = 86_400_000;

/**
 * When a rule stops matching (ms since epoch), or undefined for never: a flight+date rule at the
 * end of its date (UTC) + flightGraceMs, unless an explicit expiresAt is earlier.
 */
export function expiryOf(rule: SubscriptionRule, flightGraceMs: number): number | undefined {
  const explicit = rule.expiresAt ? Date.parse(rule.expiresAt) : undefined;
  if (!(rule.flight && rule.date)) return explicit;
  const flightEnd = Date.parse(`${rule.date}T00:00:00Z`) + DAY_MS + flightGraceMs;
  return explicit === undefined ? flightEnd : Math.min(explicit, flightEnd);
}
