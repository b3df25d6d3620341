/**
 * The Flight Status resource (LUFTHANSA-NOTES.md §4) of one simulated flight: local and UTC
 * times, time status (on time, delayed, early, no status when cancelled), terminal and gate.
 */
import { AIRPORTS, FLIGHT_STATUS, MINUTE, TIME_STATUS, type Flight, type FlightEnd } from './flight-data.js';

function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

function endResource(end: FlightEnd, cancelled: boolean): Record<string, unknown> {
  const offset = AIRPORTS[end.airport]!.utcOffset * 60 * MINUTE;
  const local = (ms: number) => ({ DateTime: isoMinute(ms + offset) });
  const utc = (ms: number) => ({ DateTime: `${isoMinute(ms)}Z` });
  const latest = end.actual ?? end.estimated;
  const timeStatus =
    cancelled || latest === undefined
      ? cancelled
        ? 'NO'
        : 'OT'
      : latest - end.scheduled > 5 * MINUTE
        ? 'DL'
        : end.scheduled - latest > 5 * MINUTE
          ? 'FE'
          : 'OT';
  return {
    AirportCode: end.airport,
    ScheduledTimeLocal: local(end.scheduled),
    ScheduledTimeUTC: utc(end.scheduled),
    ...(end.estimated !== undefined && {
      EstimatedTimeLocal: local(end.estimated),
      EstimatedTimeUTC: utc(end.estimated),
    }),
    ...(end.actual !== undefined && { ActualTimeLocal: local(end.actual), ActualTimeUTC: utc(end.actual) }),
    TimeStatus: { Code: timeStatus, Definition: TIME_STATUS[timeStatus] },
    Terminal: { Name: AIRPORTS[end.airport]!.terminal, Gate: end.gate },
  };
}

/** The Flight Status resource's Flight object for one flight on the board. */
export function flightResource(f: Flight): Record<string, unknown> {
  const cancelled = f.status === 'CD';
  return {
    Departure: endResource(f.departure, cancelled),
    Arrival: endResource(f.arrival, cancelled),
    MarketingCarrier: { AirlineID: f.carrier, FlightNumber: f.number },
    OperatingCarrier: { AirlineID: f.carrier, FlightNumber: f.number },
    Equipment: { AircraftCode: f.aircraft },
    FlightStatus: { Code: f.status, Definition: FLIGHT_STATUS[f.status] },
  };
}
