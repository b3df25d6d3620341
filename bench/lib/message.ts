/**
 * Flight-update notifications in the Lufthansa format (LUFTHANSA-NOTES.md §3), about 600 bytes,
 * with two benchmark fields in Meta: BenchSeq (sequence number, negative for warm-up messages)
 * and BenchSentAt (send time, ms since the epoch with µs decimals). The receiver finds both with
 * one regular expression, without parsing the body, whether it arrives raw or inside an envelope.
 * Self-contained on purpose: it is compiled into the load-generator children (bench/lib/compile.ts).
 */
const CODES: [string, string][] = [
  ['MVT ED', 'New Estimated Departure'],
  ['MVT EA', 'New Estimated Arrival'],
  ['MVT AD', 'Departed'],
  ['MVT AA', 'Arrived'],
  ['Y', 'New Gate Information'],
  ['ASM CNL', 'Cancelled'],
  ['ASM TIM', 'Schedule Change'],
];
const CARRIERS = ['LH', 'LX', 'OS', 'EW', 'SN'];
const DATE = '2026-11-23';
export const TARGET_BYTES = 600;

export const SEQ_PATTERN = /"BenchSeq":(-?\d+),"BenchSentAt":(\d+(?:\.\d+)?)/;

/** Distinct flights by default (`--flights`); flight numbers run from 100, so at most 9,900. */
export const DEFAULT_FLIGHTS = 900;
export const MAX_FLIGHTS = 9900;

/** Message i's flight: one of `flights` (carrier, number) pairs, each pair its own flight. */
function flightOf(i: number, flights: number): string {
  const f = i % flights;
  return `${CARRIERS[f % CARRIERS.length]!}${100 + f}`;
}

export function topicFor(i: number, flights = DEFAULT_FLIGHTS): string {
  const flight = flightOf(i, flights);
  return `prd/FlightUpdate/${flight.slice(0, 2)}/${flight}/${DATE}`;
}

/** The generic variant: a non-Lufthansa topic, as from any MQTT source. */
export function genericTopicFor(i: number): string {
  return `bench/sensors/s${i % 50}/reading`;
}

/** The topic filter every system subscribes to for a payload kind. */
export function topicFilterFor(kind: 'flight' | 'generic'): string {
  return kind === 'generic' ? 'bench/sensors/#' : 'prd/FlightUpdate/#';
}

/** About 600 bytes of generic JSON (a sensor reading), with the same benchmark fields. */
export function genericMessage(i: number, seq: number, sentAt: number, run: string): string {
  const body =
    `{"device":{"id":"s${i % 50}","site":"hangar-${i % 7}","model":"TX-${100 + (i % 13)}"},` +
    `"reading":{"temperature":${(20 + (i % 100) / 10).toFixed(1)},"humidity":${40 + (i % 30)},` +
    `"pressure":${1000 + (i % 40)},"battery":${(3 + (i % 10) / 10).toFixed(1)}},` +
    `"tags":["bench","generic","mqtt"],"status":"ok",` +
    `"BenchRun":"${run}","BenchSeq":${seq},"BenchSentAt":${sentAt.toFixed(3)},"BenchPad":"`;
  const pad = Math.max(0, TARGET_BYTES - body.length - 2);
  return `${body}${'x'.repeat(pad)}"}`;
}

/** Wall-clock ms with µs resolution, comparable between processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The notification for message i; run makes payloads unique between runs (dedup by hash). */
export function flightUpdate(
  i: number,
  seq: number,
  sentAt: number,
  run: string,
  flights = DEFAULT_FLIGHTS,
): string {
  const flight = flightOf(i, flights);
  const [code, message] = CODES[i % CODES.length]!;
  const api = 'https://api.lufthansa.com/v1/operations';
  const body =
    `{"Update":{"Timestamp":"${DATE}T14:05:00Z","Message":"${message}","Code":"${code}"},` +
    `"Meta":{"@Version":"1.0.0","Link":[` +
    `{"@Href":"${api}/flightstatus/${flight}/${DATE}","@Rel":"related"},` +
    `{"@Href":"${api}/flightstatus/departures/FRA/${DATE}T14:00","@Rel":"alternate"},` +
    `{"@Href":"${api}/flightstatus/arrivals/JFK/${DATE}T17:00","@Rel":"alternate"}],` +
    `"BenchRun":"${run}","BenchSeq":${seq},"BenchSentAt":${sentAt.toFixed(3)},"BenchPad":"`;
  const pad = Math.max(0, TARGET_BYTES - body.length - 3);
  return `${body}${'x'.repeat(pad)}"}}`;
}
