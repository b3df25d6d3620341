/**
 * The Flight Status resource on the Lufthansa API simulator:
 * `GET /v1/operations/flightstatus/{flightNumber}/{date}` answers from the FlightBoard, so it
 * agrees with the notifications the broker simulator publishes. Counts every call (the tests'
 * "one call per flight" proof) and refuses like Lufthansa's gateway (Mashery) when over quota:
 * 403 with X-Mashery-Error-Code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../core/index.js';
import { systemClock } from '../core/index.js';
import type { FlightBoard } from './flights.js';

/** What mountFlightStatus needs of the API simulator (LufthansaApiSim). */
export interface ApiRouteHost {
  addRoute(
    method: string,
    pattern: RegExp,
    handler: (req: IncomingMessage, res: ServerResponse, match: RegExpExecArray) => void | Promise<void>,
  ): void;
  isValidAccessToken(authHeader: string | undefined): boolean;
}

export interface FlightStatusQuota {
  /** Calls served per second before 403 ERR_403_DEVELOPER_OVER_QPS; 0 = unlimited. */
  perSecond?: number;
  /** Calls served per hour before 403 ERR_403_DEVELOPER_OVER_RATE; 0 = unlimited. */
  perHour?: number;
}

export interface FlightStatusSimOptions {
  quota?: FlightStatusQuota;
  clock?: Clock;
}

const ROUTE = /^\/v1\/operations\/flightstatus\/([A-Z0-9]{3,8})\/(\d{4}-\d{2}-\d{2})(?:\?.*)?$/;

export class FlightStatusEndpoint {
  /** Every request that reached the resource, whatever the answer. */
  total = 0;
  /** 200 answers. */
  served = 0;
  /** 403 quota answers. */
  refused = 0;
  /** Requests per path (`/v1/operations/flightstatus/LH400/2026-11-23`). */
  readonly byPath = new Map<string, number>();
  quota: Required<FlightStatusQuota>;
  readonly #clock: Clock;
  #refuseUntil = 0;
  #refuseCode = 'ERR_403_DEVELOPER_OVER_QPS';
  /** Times of served calls within the last hour, oldest first. */
  #servedAt: number[] = [];

  constructor(
    private readonly board: FlightBoard,
    options: FlightStatusSimOptions = {},
  ) {
    this.quota = { perSecond: options.quota?.perSecond ?? 0, perHour: options.quota?.perHour ?? 0 };
    this.#clock = options.clock ?? systemClock;
  }

  /** Answer 403 to every call for this long (a quota penalty or gateway outage). */
  refuseFor(ms: number, errorCode = 'ERR_403_DEVELOPER_OVER_QPS'): void {
    this.#refuseUntil = this.#clock.now() + ms;
    this.#refuseCode = errorCode;
  }

  /** End a refuseFor() early. */
  accept(): void {
    this.#refuseUntil = 0;
  }

  resetCounters(): void {
    this.total = this.served = this.refused = 0;
    this.byPath.clear();
  }

  handle(req: IncomingMessage, res: ServerResponse, match: RegExpExecArray, authorized: boolean): void {
    const path = (req.url ?? '').split('?')[0]!;
    this.total += 1;
    this.byPath.set(path, (this.byPath.get(path) ?? 0) + 1);
    if (!authorized) {
      send(res, 401, { 'www-authenticate': 'Bearer error="invalid_token"' }, { Error: 'invalid token' });
      return;
    }
    const overQuota = this.#overQuota();
    if (overQuota) {
      this.refused += 1;
      res.writeHead(403, { 'content-type': 'text/html', 'x-mashery-error-code': overQuota });
      res.end(overQuota.endsWith('QPS') ? '<h1>Developer Over Qps</h1>' : '<h1>Developer Over Rate</h1>');
      return;
    }
    const [, flightNumber, date] = match;
    const resource = this.board.flightStatus(flightNumber!, date!);
    if (!resource) {
      send(
        res,
        404,
        {},
        {
          ProcessingErrors: {
            ProcessingError: {
              '@RetryIndicator': 'false',
              Type: 'BusinessError',
              Code: '404',
              Description: 'Flight not found',
            },
          },
        },
      );
      return;
    }
    this.served += 1;
    this.#servedAt.push(this.#clock.now());
    send(res, 200, {}, resource);
  }

  #overQuota(): string | undefined {
    const now = this.#clock.now();
    if (now < this.#refuseUntil) return this.#refuseCode;
    while (this.#servedAt.length && this.#servedAt[0]! <= now - 3_600_000) this.#servedAt.shift();
    const { perSecond, perHour } = this.quota;
    if (perHour > 0 && this.#servedAt.length >= perHour) return 'ERR_403_DEVELOPER_OVER_RATE';
    if (perSecond > 0 && this.#servedAt.filter((t) => t > now - 1000).length >= perSecond) {
      return 'ERR_403_DEVELOPER_OVER_QPS';
    }
    return undefined;
  }
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Adds the Flight Status route to the API simulator; returns its counters and quota switches. */
export function mountFlightStatus(
  sim: ApiRouteHost,
  board: FlightBoard,
  options: FlightStatusSimOptions = {},
): FlightStatusEndpoint {
  const endpoint = new FlightStatusEndpoint(board, options);
  sim.addRoute('GET', ROUTE, (req, res, match) => {
    endpoint.handle(req, res, match, sim.isValidAccessToken(req.headers.authorization));
  });
  return endpoint;
}
