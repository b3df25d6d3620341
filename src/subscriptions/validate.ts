/**
 * Checks a subscription request (a parsed JSON body) and normalises it into a rule, or lists every
 * problem with the field it concerns, so the admin API can answer 400 naming the field.
 */
import type { Clock } from '../core/index.js';
import { expiryOf, normaliseFlight, type SubscriptionRule } from './rule.js';

export interface WebhookInfo {
  exists: boolean;
  /** true when the webhook enriches events with flight status (airports are known only then). */
  enriches: boolean;
}

export interface ValidationContext {
  webhookInfo(id: string): WebhookInfo;
  clock: Clock;
  /** How long after the end of its date (UTC) a flight+date subscription still matches. */
  flightGraceMs: number;
}

export interface FieldError {
  field: string;
  message: string;
}

export type ValidationResult = { ok: true; rule: SubscriptionRule } | { ok: false; errors: FieldError[] };

const KNOWN_KEYS = new Set([
  'webhookId',
  'flight',
  'date',
  'carrier',
  'departureAirport',
  'arrivalAirport',
  'events',
  'expiresAt',
]);
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const CARRIER = /^([A-Z0-9]{2}|[A-Z]{3})$/;
const AIRPORT = /^[A-Z]{3}$/;
const EVENT_PATTERN = /^(\*|[a-z0-9_-]+)(\.(\*|[a-z0-9_-]+))*$/i;

export function validateSubscription(input: unknown, ctx: ValidationContext): ValidationResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ field: '(body)', message: 'must be a JSON object' }] };
  }
  const body = input as Record<string, unknown>;
  const errors: FieldError[] = [];
  const fail = (field: string, message: string): undefined => {
    errors.push({ field, message });
    return undefined;
  };
  for (const key of Object.keys(body)) {
    if (!KNOWN_KEYS.has(key)) fail(key, `unknown key; allowed: ${[...KNOWN_KEYS].join(', ')}`);
  }
  const text = (field: string): string | undefined => {
    const value = body[field];
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    return fail(field, 'must be a non-empty string');
  };

  const webhookId = text('webhookId');
  const webhook = webhookId === undefined ? undefined : ctx.webhookInfo(webhookId);
  if (body.webhookId === undefined) fail('webhookId', 'is required');
  else if (webhookId !== undefined && !webhook?.exists) fail('webhookId', `unknown webhook "${webhookId}"`);

  const rule: SubscriptionRule = { webhookId: webhookId ?? '' };
  const flightText = text('flight');
  if (flightText !== undefined) {
    rule.flight =
      normaliseFlight(flightText) ??
      fail('flight', `"${flightText}" is not a flight number (carrier + 1-4 digits, e.g. LH400)`);
  }
  const carrier = text('carrier')?.toUpperCase();
  if (carrier !== undefined) {
    if (!CARRIER.test(carrier)) fail('carrier', `"${carrier}" is not an IATA (LH) or ICAO (DLH) code`);
    else if (flightText !== undefined) fail('carrier', 'not together with flight (the flight names it)');
    else rule.carrier = carrier;
  }
  for (const field of ['departureAirport', 'arrivalAirport'] as const) {
    const airport = text(field)?.toUpperCase();
    if (airport === undefined) continue;
    if (!AIRPORT.test(airport)) fail(field, `"${airport}" is not an IATA airport code (e.g. FRA)`);
    else if (webhook && webhook.exists && !webhook.enriches) {
      fail(field, `webhook "${webhookId}" does not enrich events, so airports are unknown`);
    } else rule[field] = airport;
  }
  checkDate(text('date'), rule, ctx, fail);
  checkEvents(body.events, rule, fail);
  const expiresAt = text('expiresAt');
  if (expiresAt !== undefined) {
    const at = Date.parse(expiresAt);
    if (Number.isNaN(at)) fail('expiresAt', `"${expiresAt}" is not an ISO 8601 time`);
    else if (at <= ctx.clock.now()) fail('expiresAt', `${expiresAt} is in the past`);
    else rule.expiresAt = new Date(at).toISOString();
  }
  const selectors = ['flight', 'carrier', 'departureAirport', 'arrivalAirport'];
  if (errors.length === 0 && !selectors.some((field) => body[field] !== undefined)) {
    fail('(body)', `a subscription needs a selector: one of ${selectors.join(', ')}`);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, rule };
}

function checkDate(
  date: string | undefined,
  rule: SubscriptionRule,
  ctx: ValidationContext,
  fail: (field: string, message: string) => undefined,
): void {
  if (date === undefined) return;
  const day = DATE.test(date) ? new Date(`${date}T00:00:00Z`) : undefined;
  // Date accepts 2026-02-30 (as 2026-03-02): only a date that reads back unchanged exists.
  if (!day || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== date) {
    fail('date', `"${date}" is not a date (YYYY-MM-DD)`);
  } else if (rule.flight === undefined) {
    fail('date', 'only together with flight');
  } else if ((expiryOf({ ...rule, date }, ctx.flightGraceMs) ?? Infinity) <= ctx.clock.now()) {
    const hours = ctx.flightGraceMs / 3_600_000;
    fail('date', `${date} is in the past (a flight subscription ends ${hours} h after its date)`);
  } else rule.date = date;
}

function checkEvents(
  events: unknown,
  rule: SubscriptionRule,
  fail: (field: string, message: string) => undefined,
): void {
  if (events === undefined) return;
  if (!Array.isArray(events) || events.length === 0) {
    fail('events', 'must be a non-empty array of event-type patterns (e.g. ["flight.*"])');
    return;
  }
  const bad = events.find((e) => typeof e !== 'string' || !EVENT_PATTERN.test(e));
  if (bad !== undefined)
    fail('events', `${JSON.stringify(bad)} is not an event-type pattern (e.g. flight.*)`);
  else rule.events = [...new Set(events as string[])].sort();
}
