/**
 * A simulated day of Lufthansa Group flights that the broker and API simulators both draw from, so
 * a notification and the Flight Status resource it links to agree: after "New Gate Information"
 * the resource shows the new gate, after "Cancelled" FlightStatus CD, after "Departed" DP with the
 * actual time. Times are kept in UTC; local times use each airport's winter (November) offset.
 */
import type { Clock } from '../core/index.js';
import { systemClock } from '../core/index.js';
import { AIRPORTS, DAY, FLUP_MESSAGES, MINUTE, NEXT_CODES, SCHEDULE, type Flight } from './flight-data.js';
import { flightResource } from './flight-resource.js';

export { FLUP_MESSAGES } from './flight-data.js';

export interface FlightNotification {
  topic: string;
  payload: string;
}

export interface FlightBoardOptions {
  /** Base of the Flight Status links in notifications, e.g. the API simulator's url. */
  apiBase: string;
  /**
   * Date (YYYY-MM-DD) of the first run of every flight; default: today (UTC) by the clock. Later
   * runs (after a landing) alternate between today and tomorrow by the clock.
   */
  date?: string;
  /** How many flights of the schedule (1-12); default all. */
  count?: number;
  /** Random source in [0, 1); pass a seeded one for reproducible runs. */
  random?: () => number;
  clock?: Clock;
  /** First topic level: prd (production) or whatever the broker simulator uses. */
  topicPrefix?: string;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

export class FlightBoard {
  readonly #apiBase: string;
  readonly #random: () => number;
  readonly #clock: Clock;
  readonly #topicPrefix: string;
  /** By `<flight number>/<date>`, e.g. `LH400/2026-11-23`. */
  readonly #flights = new Map<string, Flight>();
  /** The instance of each flight number that randomUpdate() moves on, by `LH400`. */
  readonly #current = new Map<string, Flight>();

  constructor(options: FlightBoardOptions) {
    this.#apiBase = options.apiBase.replace(/\/+$/, '');
    this.#random = options.random ?? Math.random;
    this.#clock = options.clock ?? systemClock;
    this.#topicPrefix = options.topicPrefix ?? 'prd';
    const date = options.date ?? this.#today();
    for (const row of SCHEDULE.slice(0, options.count ?? SCHEDULE.length))
      this.#add(this.#schedule(row, date));
  }

  /** The flights on the board now: `LH400` and its date. */
  flights(): Array<{ flightNumber: string; date: string; topic: string }> {
    return [...this.#flights.values()].map((f) => ({
      flightNumber: f.carrier + f.number,
      date: f.date,
      topic: this.#topic(f),
    }));
  }

  /** Picks a flight and an event its state allows, applies it and returns the notification. */
  randomUpdate(): FlightNotification {
    const candidates = [...this.#current.values()];
    let flight = candidates[Math.floor(this.#random() * candidates.length)]!;
    // A landed flight is done for the day: the schedule repeats on another day near today.
    if (this.#phase(flight) === 'landed') flight = this.#add(this.#nextDay(flight));
    const choices = NEXT_CODES[this.#phase(flight) as keyof typeof NEXT_CODES];
    const total = choices.reduce((sum, [, w]) => sum + w, 0);
    let pick = this.#random() * total;
    const code = choices.find(([, w]) => (pick -= w) < 0)?.[0] ?? choices[0]![0];
    return this.update(flight.carrier + flight.number, code, flight.date);
  }

  /**
   * Applies one FLUP action to a flight (also outside the usual order, for tests) and returns its
   * notification in Lufthansa's format. `date` defaults to the flight's latest date on the board.
   */
  update(flightNumber: string, code: string, date?: string): FlightNotification {
    const flight = this.#find(flightNumber, date);
    if (!flight) throw new Error(`no flight ${flightNumber}${date ? ` on ${date}` : ''} on the board`);
    this.#apply(flight, code);
    const url = `${this.#apiBase}/v1/operations/flightstatus/${flight.carrier}${flight.number}/${flight.date}`;
    const notification = {
      Update: {
        Timestamp: new Date(this.#clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        Message: FLUP_MESSAGES[code] ?? 'Flight Update',
        Code: code,
      },
      Meta: { '@Version': '1.0.0', Link: [{ '@Href': url, '@Rel': 'related' }] },
    };
    return { topic: this.#topic(flight), payload: JSON.stringify(notification) };
  }

  /** The Flight Status resource (LUFTHANSA-NOTES.md §4); undefined for a flight not on the board. */
  flightStatus(flightNumber: string, date: string): unknown {
    const flight = this.#flights.get(`${flightNumber}/${date}`);
    if (!flight) return undefined;
    return {
      FlightStatusResource: {
        Flights: { Flight: flightResource(flight) },
        Meta: {
          '@Version': '1.0.0',
          Link: [
            {
              '@Href': `${this.#apiBase}/v1/operations/flightstatus/${flightNumber}/${date}`,
              '@Rel': 'self',
            },
          ],
        },
      },
    };
  }

  #find(flightNumber: string, date?: string): Flight | undefined {
    if (date) return this.#flights.get(`${flightNumber}/${date}`);
    return this.#current.get(flightNumber);
  }

  #add(flight: Flight): Flight {
    this.#flights.set(`${flight.carrier}${flight.number}/${flight.date}`, flight);
    this.#current.set(flight.carrier + flight.number, flight);
    // Keep yesterday for links still in flight; drop older days. The cut-off follows the clock,
    // not the newest flight, so one busy flight cannot push the others off the board.
    const oldest = addDays(this.#today(), -1);
    for (const [key, f] of this.#flights) {
      if (f.date < oldest && this.#current.get(f.carrier + f.number) !== f) this.#flights.delete(key);
    }
    return flight;
  }

  #today(): string {
    return new Date(this.#clock.now()).toISOString().slice(0, 10);
  }

  #topic(f: Flight): string {
    return `${this.#topicPrefix}/FlightUpdate/${f.carrier}/${f.carrier}${f.number}/${f.date}`;
  }

  #phase(f: Flight): 'scheduled' | 'cancelled' | 'departed' | 'landed' {
    if (f.status === 'CD') return 'cancelled';
    if (f.status === 'LD') return 'landed';
    return f.departure.actual !== undefined ? 'departed' : 'scheduled';
  }

  #schedule(
    [carrier, number, from, to, localTime, blockMinutes, aircraft]: (typeof SCHEDULE)[number],
    date: string,
  ): Flight {
    const [h, m] = localTime.split(':').map(Number) as [number, number];
    const departure =
      Date.parse(`${date}T00:00:00Z`) + (h * 60 + m) * MINUTE - AIRPORTS[from]!.utcOffset * 60 * MINUTE;
    return {
      carrier,
      number,
      date,
      aircraft,
      blockMinutes,
      departure: { airport: from, scheduled: departure, gate: this.#pick(AIRPORTS[from]!.gates) },
      arrival: {
        airport: to,
        scheduled: departure + blockMinutes * MINUTE,
        gate: this.#pick(AIRPORTS[to]!.gates),
      },
      status: 'NA',
      rerouted: false,
    };
  }

  /**
   * The flight's next run: today's after an older day's, tomorrow's after today's, and today's
   * again after tomorrow's (a fresh schedule replaces the landed one), so a long demo cycles
   * between today and tomorrow instead of drifting a day ahead per landing.
   */
  #nextDay(f: Flight): Flight {
    const row = SCHEDULE.find(([c, n]) => c === f.carrier && n === f.number)!;
    const today = this.#today();
    return this.#schedule(row, f.date === today ? addDays(today, 1) : today);
  }

  #pick<T>(list: T[], not?: T): T {
    const choices = list.length > 1 && not !== undefined ? list.filter((x) => x !== not) : list;
    return choices[Math.floor(this.#random() * choices.length)]!;
  }

  /** Minutes in [min, max]. */
  #minutes(min: number, max: number): number {
    return (min + Math.floor(this.#random() * (max - min + 1))) * MINUTE;
  }

  #apply(f: Flight, code: string): void {
    const dep = f.departure;
    const arr = f.arrival;
    switch (code) {
      case 'MVT ED': {
        dep.estimated = dep.scheduled + this.#minutes(5, 90);
        arr.estimated = dep.estimated + f.blockMinutes * MINUTE;
        break;
      }
      case 'MVT EA': {
        const from = dep.actual ?? dep.estimated ?? dep.scheduled;
        arr.estimated = from + f.blockMinutes * MINUTE + this.#minutes(-20, 25);
        break;
      }
      case 'MVT AD': {
        dep.actual = (dep.estimated ?? dep.scheduled) + this.#minutes(-2, 10);
        arr.estimated = dep.actual + f.blockMinutes * MINUTE;
        f.status = 'DP';
        break;
      }
      case 'MVT AA': {
        dep.actual ??= dep.estimated ?? dep.scheduled;
        arr.actual = (arr.estimated ?? dep.actual + f.blockMinutes * MINUTE) + this.#minutes(-5, 5);
        f.status = 'LD';
        break;
      }
      case 'Y': {
        // Before departure the departure gate changes; once airborne, the arrival gate.
        const end = dep.actual === undefined ? dep : arr;
        end.gate = this.#pick(AIRPORTS[end.airport]!.gates, end.gate);
        break;
      }
      case 'ASM CNL': {
        if (f.status !== 'CD') f.statusBeforeCancel = f.status;
        f.status = 'CD';
        break;
      }
      case 'ASM NEW RIN': {
        f.status = f.statusBeforeCancel ?? 'NA';
        f.statusBeforeCancel = undefined;
        break;
      }
      case 'ASM RPL DIV':
      case 'ASM RPL RRT': {
        const to = AIRPORTS[arr.airport]!.alternate;
        arr.airport = to;
        arr.gate = this.#pick(AIRPORTS[to]!.gates);
        arr.estimated = (dep.actual ?? dep.estimated ?? dep.scheduled) + (f.blockMinutes + 20) * MINUTE;
        f.rerouted = true;
        f.status = 'RT';
        break;
      }
      case 'ASM TIM': {
        const shift = this.#minutes(15, 90) * (this.#random() < 0.3 ? -1 : 1);
        dep.scheduled += shift;
        arr.scheduled += shift;
        dep.estimated = undefined;
        arr.estimated = undefined;
        break;
      }
      default:
        // An action the bridge does not know: nothing visible changes.
        break;
    }
  }
}
