/**
 * Every Redis key the timeline writes (to be folded into the shared RedisKeys). A flight's keys
 * share the hash tag {flight:LH400:2026-12-01}, so Redis Cluster keeps a flight in one slot and
 * one script can update its notification list and records together. A message without a flight
 * gets a bucket of its own, {msg:<id>}.
 */
export interface TimelineKeys {
  /** Sorted set: score = time, member = message id (capped per flight). */
  notifications(bucket: string): string;
  /** Hash: message id → the notification as JSON (with what is needed to re-send it). */
  messages(bucket: string): string;
  /** List: the message's delivery attempts as JSON, oldest first (capped). */
  attempts(bucket: string, messageId: string): string;
  /** String: message id → its bucket, for a look-up by id alone. */
  locator(messageId: string): string;
  /** Sorted set: score = time, member = the message's matchable fields as JSON (last hour). */
  recent: string;
}

/** The bucket (hash tag, braces included) of a flight, e.g. {flight:LH400:2026-12-01}. */
export function flightBucket(flight: string, date: string): string {
  return `{flight:${flight}:${date}}`;
}

export function messageBucket(messageId: string): string {
  return `{msg:${messageId}}`;
}

export function timelineKeys(prefix: string): TimelineKeys {
  const base = `${prefix}:tl`;
  return {
    notifications: (bucket) => `${base}:${bucket}:n`,
    messages: (bucket) => `${base}:${bucket}:m`,
    attempts: (bucket, messageId) => `${base}:${bucket}:a:${messageId}`,
    locator: (messageId) => `${base}:loc:${messageId}`,
    recent: `${base}:recent`,
  };
}
