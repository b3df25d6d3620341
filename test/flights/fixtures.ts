/** Flight Status resources and summaries for the flights tests. */
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';
import type { FlightRef, FlightSummary } from '../../src/flights/index.js';
import { deleteByPrefix } from '../../src/redis/index.js';
import { SHARED_REDIS_URL, uniquePrefix } from '../helpers/servers.js';

export const LH400: FlightRef = { carrier: 'LH', flightNumber: '400', date: '2026-11-23' };

interface EndInput {
  airport: string;
  scheduled: string;
  estimated?: string;
  actual?: string;
  gate?: string;
  terminal?: string | number;
  timeStatus?: string;
  /** Local minus UTC, hours. */
  offset?: number;
}

const local = (utc: string, offset: number) =>
  new Date(Date.parse(utc) + offset * 3_600_000).toISOString().slice(0, 16);

/** One flight of a Flight Status resource, as Lufthansa nests it. */
export function flightResource(
  departure: EndInput,
  arrival: EndInput,
  extra: { carrier?: string; number?: string; status?: string; aircraft?: string; utcFields?: boolean } = {},
): Record<string, unknown> {
  const end = (e: EndInput) => ({
    AirportCode: e.airport,
    ScheduledTimeLocal: { DateTime: local(e.scheduled, e.offset ?? 1) },
    ScheduledTimeUTC: { DateTime: e.scheduled },
    ...(e.estimated && {
      EstimatedTimeLocal: { DateTime: local(e.estimated, e.offset ?? 1) },
      ...(extra.utcFields !== false && { EstimatedTimeUTC: { DateTime: e.estimated } }),
    }),
    ...(e.actual && {
      ActualTimeLocal: { DateTime: local(e.actual, e.offset ?? 1) },
      ...(extra.utcFields !== false && { ActualTimeUTC: { DateTime: e.actual } }),
    }),
    ...(e.timeStatus && { TimeStatus: { Code: e.timeStatus, Definition: 'x' } }),
    Terminal: { ...(e.terminal !== undefined && { Name: e.terminal }), ...(e.gate && { Gate: e.gate }) },
  });
  const carrier = { AirlineID: extra.carrier ?? 'LH', FlightNumber: extra.number ?? '400' };
  return {
    Departure: end(departure),
    Arrival: end(arrival),
    MarketingCarrier: carrier,
    OperatingCarrier: carrier,
    Equipment: { AircraftCode: extra.aircraft ?? '74H' },
    FlightStatus: { Code: extra.status ?? 'NA', Definition: 'No status' },
  };
}

export const wrap = (flight: unknown) => ({ FlightStatusResource: { Flights: { Flight: flight } } });

/** A summary of LH400 FRA→JFK with the given departure gate and estimate. */
export function summary(
  gate: string | null,
  estimated: string | null,
  extra: Partial<FlightSummary> = {},
): FlightSummary {
  return {
    ...LH400,
    status: 'NA',
    equipment: '74H',
    departure: {
      airport: 'FRA',
      scheduledTimeUtc: '2026-11-23T13:50Z',
      estimatedTimeUtc: estimated,
      actualTimeUtc: null,
      terminal: '1',
      gate,
      timeStatus: 'OT',
    },
    arrival: {
      airport: 'JFK',
      scheduledTimeUtc: '2026-11-23T22:40Z',
      estimatedTimeUtc: null,
      actualTimeUtc: null,
      terminal: '1',
      gate: null,
      timeStatus: 'OT',
    },
    ...extra,
  };
}

/**
 * `connections` connections to the shared Redis and a unique key prefix; after the test, every key
 * under the prefix is deleted and the connections closed.
 */
export function sharedRedis(
  t: TestContext,
  name: string,
  connections = 1,
): { prefix: string; clients: Redis[] } {
  const prefix = uniquePrefix(name);
  const clients = Array.from({ length: connections }, () => new Redis(SHARED_REDIS_URL));
  t.after(async () => {
    await deleteByPrefix(clients[0]!, prefix);
    await Promise.all(clients.map((c) => c.quit()));
  });
  return { prefix, clients };
}
