/**
 * The simulated flight board's data: airports (winter UTC offsets, terminals, gates, alternates),
 * the schedule of twelve Lufthansa Group flights, the FLUP action texts, status definitions, and
 * which actions each phase of a flight allows. FlightBoard (flights.ts) plays them.
 */

export interface Airport {
  /** UTC offset in hours, winter time. */
  utcOffset: number;
  terminal: string;
  gates: string[];
  /** Where a flight to this airport goes when diverted or rerouted. */
  alternate: string;
}

const range = (prefix: string, from: number, to: number, step = 1) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => `${prefix}${from + i * step}`);

export const AIRPORTS: Record<string, Airport> = {
  FRA: {
    utcOffset: 1,
    terminal: '1',
    gates: [...range('A', 10, 26, 2), ...range('B', 20, 28, 2), ...range('Z', 11, 25, 2)],
    alternate: 'CGN',
  },
  MUC: {
    utcOffset: 1,
    terminal: '2',
    gates: [...range('G', 10, 28, 2), ...range('H', 32, 48, 4), ...range('K', 11, 19, 2)],
    alternate: 'NUE',
  },
  ZRH: {
    utcOffset: 1,
    terminal: '1',
    gates: [...range('A', 52, 68, 4), ...range('E', 22, 38, 4)],
    alternate: 'BSL',
  },
  VIE: {
    utcOffset: 1,
    terminal: '3',
    gates: [...range('F', 1, 37, 4), ...range('G', 31, 37, 2)],
    alternate: 'BTS',
  },
  BRU: { utcOffset: 1, terminal: 'A', gates: range('A', 40, 72, 4), alternate: 'LGG' },
  DUS: { utcOffset: 1, terminal: 'B', gates: range('B', 1, 18, 1), alternate: 'CGN' },
  HAM: {
    utcOffset: 1,
    terminal: '2',
    gates: [...range('B', 1, 9, 2), ...range('C', 1, 9, 2)],
    alternate: 'BRE',
  },
  PMI: { utcOffset: 1, terminal: 'A', gates: range('A', 1, 16, 1), alternate: 'IBZ' },
  LHR: {
    utcOffset: 0,
    terminal: '2',
    gates: [...range('A', 9, 23, 2), ...range('B', 32, 46, 2)],
    alternate: 'STN',
  },
  JFK: { utcOffset: -5, terminal: '1', gates: range('', 1, 11, 1), alternate: 'EWR' },
  ORD: { utcOffset: -6, terminal: '5', gates: range('M', 1, 21, 2), alternate: 'MKE' },
  SFO: { utcOffset: -8, terminal: 'I', gates: range('G', 91, 102, 1), alternate: 'OAK' },
  LAS: { utcOffset: -8, terminal: '3', gates: range('E', 1, 12, 1), alternate: 'PHX' },
  CGN: { utcOffset: 1, terminal: '1', gates: range('C', 1, 12, 1), alternate: 'DUS' },
  NUE: { utcOffset: 1, terminal: '1', gates: range('A', 1, 9, 1), alternate: 'MUC' },
  BSL: { utcOffset: 1, terminal: '1', gates: range('', 1, 9, 1), alternate: 'ZRH' },
  BTS: { utcOffset: 1, terminal: '1', gates: range('', 1, 9, 1), alternate: 'VIE' },
  LGG: { utcOffset: 1, terminal: '1', gates: range('', 1, 6, 1), alternate: 'BRU' },
  BRE: { utcOffset: 1, terminal: '1', gates: range('', 1, 10, 1), alternate: 'HAM' },
  IBZ: { utcOffset: 1, terminal: '1', gates: range('', 1, 12, 1), alternate: 'PMI' },
  STN: { utcOffset: 0, terminal: '1', gates: range('', 1, 20, 1), alternate: 'LHR' },
  EWR: { utcOffset: -5, terminal: 'B', gates: range('B', 40, 60, 2), alternate: 'JFK' },
  MKE: { utcOffset: -6, terminal: '1', gates: range('E', 50, 60, 2), alternate: 'ORD' },
  OAK: { utcOffset: -8, terminal: '2', gates: range('', 20, 32, 1), alternate: 'SFO' },
  PHX: { utcOffset: -7, terminal: '4', gates: range('A', 1, 30, 1), alternate: 'LAS' },
};

/** carrier, number, from, to, scheduled local departure, block minutes, IATA aircraft code. */
export const SCHEDULE: Array<[string, string, string, string, string, number, string]> = [
  ['LH', '400', 'FRA', 'JFK', '10:10', 540, '74H'],
  ['LX', '14', 'ZRH', 'JFK', '13:00', 545, '333'],
  ['OS', '111', 'VIE', 'FRA', '06:50', 85, '320'],
  ['SN', '2901', 'BRU', 'MUC', '10:20', 75, '319'],
  ['EW', '9582', 'DUS', 'PMI', '08:30', 145, '320'],
  ['4Y', '42', 'FRA', 'LAS', '12:15', 725, '333'],
  ['LH', '2056', 'MUC', 'HAM', '07:05', 70, '32N'],
  ['LH', '454', 'FRA', 'SFO', '13:25', 695, '359'],
  ['LX', '318', 'ZRH', 'LHR', '07:00', 105, '223'],
  ['OS', '65', 'VIE', 'ORD', '10:05', 630, '763'],
  ['LH', '2472', 'MUC', 'LHR', '07:20', 125, '32N'],
  ['SN', '2587', 'BRU', 'VIE', '18:05', 105, '320'],
];

/** FLUP action code → the notification's Update.Message (LUFTHANSA-NOTES.md §3). */
export const FLUP_MESSAGES: Readonly<Record<string, string>> = {
  'MVT ED': 'New Estimated Departure',
  'MVT EA': 'New Estimated Arrival',
  'MVT AD': 'Departed',
  'MVT AA': 'Arrived',
  Y: 'New Gate Information',
  'ASM CNL': 'Cancelled',
  'ASM NEW RIN': 'Reinstated',
  'ASM RPL DIV': 'Diverted',
  'ASM RPL RRT': 'Rerouted',
  'ASM TIM': 'Schedule Change',
};

export const FLIGHT_STATUS: Record<string, string> = {
  CD: 'Flight Cancelled',
  DP: 'Flight Departed',
  LD: 'Flight Landed',
  RT: 'Flight Rerouted',
  NA: 'No status',
};

export const TIME_STATUS: Record<string, string> = {
  FE: 'Flight Early',
  OT: 'Flight On Time',
  DL: 'Flight Delayed',
  NO: 'No status',
};

export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;

export interface FlightEnd {
  airport: string;
  scheduled: number;
  estimated?: number;
  actual?: number;
  gate: string;
}

export interface Flight {
  carrier: string;
  number: string;
  date: string;
  aircraft: string;
  blockMinutes: number;
  departure: FlightEnd;
  arrival: FlightEnd;
  status: 'NA' | 'CD' | 'DP' | 'LD' | 'RT';
  /** Status to return to when a cancellation is reinstated. */
  statusBeforeCancel?: Flight['status'];
  rerouted: boolean;
}

/** The events each phase of a flight allows, with weights for randomUpdate(). */
export const NEXT_CODES: Record<'scheduled' | 'cancelled' | 'departed', Array<[string, number]>> = {
  scheduled: [
    ['MVT ED', 3],
    ['Y', 3],
    ['ASM TIM', 1],
    ['MVT AD', 2],
    ['ASM CNL', 0.5],
    ['ASM RPL RRT', 0.3],
  ],
  cancelled: [['ASM NEW RIN', 1]],
  departed: [
    ['MVT EA', 3],
    ['MVT AA', 1.5],
    ['Y', 1],
    ['ASM RPL DIV', 0.3],
  ],
};
