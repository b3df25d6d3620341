/**
 * Event-type patterns, shared by webhook `events` filters (routing) and subscription `events`
 * (subscriptions): `flight.cancelled` matches that type only; `*` stands for one dot-separated
 * segment, and a trailing `*` for one or more (`flight.*` matches every flight event, `*` every
 * event).
 */
export function eventTypeMatches(filter: string, type: string): boolean {
  if (filter === type || filter === '*') return true;
  const f = filter.split('.');
  const t = type.split('.');
  for (let i = 0; i < f.length; i++) {
    if (i >= t.length) return false;
    if (f[i] === '*') {
      if (i === f.length - 1) return true;
      continue;
    }
    if (f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
