/**
 * What the chaos publisher sends. Every message carries a unique sequence number, so the receiver
 * can tell lost from duplicated: valid notifications in their JSON `seq` field, bad input in a
 * `bad<seq>` topic level (a bad payload cannot carry it; the unique topic also keeps the bridge's
 * content-hash dedup from merging two identical bad payloads into one).
 */
import { FLUP_MESSAGES } from '../../src/sim/flights.js';

export const FLIGHT_DATE = '2026-11-23';

/** The codes these messages cycle through, with their Update.Message. */
const CODES = ['MVT ED', 'MVT EA', 'MVT AD', 'MVT AA', 'Y', 'ASM CNL', 'ASM TIM'].map(
  (code) => [code, FLUP_MESSAGES[code]!] as const,
);

export interface OutgoingMessage {
  seq: number;
  topic: string;
  payload: Buffer;
  /** "valid" or the kind of bad input. */
  kind: string;
}

/** A Lufthansa flight-update notification (LUFTHANSA-NOTES.md §3) with a `seq` field. */
export function validMessage(seq: number): OutgoingMessage {
  const flight = 100 + (seq % 9000);
  const [code, message] = CODES[seq % CODES.length]!;
  const topic = `prd/FlightUpdate/LH/LH${flight}/${FLIGHT_DATE}`;
  const body = {
    Update: {
      Timestamp: new Date(Date.UTC(2026, 10, 23, 0, 0, seq)).toISOString(),
      Message: message,
      Code: code,
    },
    Meta: {
      '@Version': '1.0.0',
      Link: [
        {
          '@Href': `https://api.lufthansa.com/v1/operations/flightstatus/LH${flight}/${FLIGHT_DATE}`,
          '@Rel': 'related',
        },
      ],
    },
    seq,
  };
  return { seq, topic, payload: Buffer.from(JSON.stringify(body)), kind: 'valid' };
}

/** The kinds of bad input and what the bridge must do with each (see expectedOutcome). */
export const BAD_KINDS = [
  'not-json',
  'invalid-utf8',
  'binary',
  'empty',
  'oversized',
  'deep-json',
  'huge-numbers',
  'odd-topic',
] as const;
export type BadKind = (typeof BAD_KINDS)[number];

/** 1 MB + 1 byte: above any sane ingest.maxPayloadBytes (the default is 256 KiB). */
export const OVERSIZED_BYTES = 1024 * 1024 + 1;

function badTopic(seq: number, kind: BadKind): string {
  return `prd/FlightUpdate/LH/bad${seq}/${kind}`;
}

/** Topics with characters a topic-to-anything mapper may trip over; all legal MQTT topic names. */
function oddTopic(seq: number): string {
  const variants = [
    `prd/FlightUpdate/LH/LH 400 ✈ "quoted" <tag> & 100%/bad${seq}`,
    `/leading-slash//empty//levels/bad${seq}/`,
    `prd/FlightUpdate/${'x'.repeat(4000)}/bad${seq}`,
    `${Array.from({ length: 150 }, (_, i) => `l${i}`).join('/')}/bad${seq}`,
    `prd/FlightUpdate/Ünïcödé/日本語/😀/bad${seq}`,
    `prd/FlightUpdate/LH/LH400/2026-11-23/../../bad${seq}`,
    `prd/FlightUpdate/LH/wh.${seq}:failed/bad${seq}`,
  ];
  return variants[seq % variants.length]!;
}

function deepJson(seq: number): string {
  // Deep enough to overflow any recursive walker (JSON.stringify fails from about 5,000 levels).
  const depth = seq % 2 === 0 ? 5_000 : 100_000;
  return '['.repeat(depth) + String(seq) + ']'.repeat(depth);
}

export function badMessage(seq: number, kind: BadKind): OutgoingMessage {
  const topic = kind === 'odd-topic' ? oddTopic(seq) : badTopic(seq, kind);
  let payload: Buffer;
  switch (kind) {
    case 'not-json':
      payload = Buffer.from(`this is not JSON {${seq}`);
      break;
    case 'invalid-utf8':
      payload = Buffer.concat([
        Buffer.from(`{"seq":${seq},"x":"`),
        Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
        Buffer.from('"}'),
      ]);
      break;
    case 'binary':
      payload = Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 7 + seq) % 256));
      break;
    case 'empty':
      payload = Buffer.alloc(0);
      break;
    case 'oversized':
      payload = Buffer.alloc(OVERSIZED_BYTES, 0x61);
      break;
    case 'deep-json':
      payload = Buffer.from(deepJson(seq));
      break;
    case 'huge-numbers':
      payload = Buffer.from(
        `{"seq":${seq},"big":123456789012345678901234567890123456789,"inf":1e400,"neg":-1e400,"tiny":1e-400}`,
      );
      break;
    case 'odd-topic':
      payload = Buffer.from(JSON.stringify({ seq, note: 'valid JSON on an odd topic' }));
      break;
  }
  return { seq, topic, payload, kind };
}

/** `bad<seq>` from a topic, or undefined. */
export function seqFromTopic(topic: string): number | undefined {
  const match = /(?:^|\/)bad(\d+)(?:\/|$)/.exec(topic);
  return match ? Number(match[1]) : undefined;
}

/**
 * `count` valid messages with `bad` bad ones spread evenly through them (kinds in turn), oversized
 * payloads capped at `maxOversized` so a run does not push gigabytes through the broker.
 */
export function buildStream(count: number, bad = 0, maxOversized = 25): OutgoingMessage[] {
  const messages: OutgoingMessage[] = [];
  const total = count + bad;
  const every = bad > 0 ? total / bad : Infinity;
  let nextBad = every / 2;
  let badSent = 0;
  let oversized = 0;
  for (let seq = 1; seq <= total; seq++) {
    if (badSent < bad && seq >= nextBad) {
      let kind = BAD_KINDS[badSent % BAD_KINDS.length]!;
      if (kind === 'oversized' && oversized >= maxOversized) kind = 'not-json';
      if (kind === 'oversized') oversized += 1;
      messages.push(badMessage(seq, kind));
      badSent += 1;
      nextBad += every;
    } else {
      messages.push(validMessage(seq));
    }
  }
  return messages;
}
