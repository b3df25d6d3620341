/** What the timeline records and answers. Times are ms since epoch when written, ISO when read. */

/** A flight as in the topic: carrier "LH", number "400" (or "0400"), date YYYY-MM-DD. */
export interface TimelineFlight {
  carrier: string;
  flightNumber: string;
  date: string;
}

export interface NotificationInput {
  /** The message id (= webhook-id of every delivery of it). */
  id: string;
  at: number;
  eventType: string;
  topic: string;
  code?: string;
  flight?: TimelineFlight;
  departureAirport?: string;
  arrivalAirport?: string;
  /** What re-sending needs (the delivery job data of the message); stored as JSON. */
  replay?: unknown;
}

export type DeliveryOutcome = 'delivered' | 'retrying' | 'dead-lettered';

export interface AttemptInput {
  messageId: string;
  /** The message's flight, to find its bucket (absent for messages without one). */
  flight?: TimelineFlight;
  webhookId: string;
  /** 1 for the first try. */
  attempt: number;
  at: number;
  /** HTTP status, when a response came. */
  status?: number;
  /** Why there was no (good) response: timeout, connection refused, ... */
  error?: string;
  durationMs: number;
  outcome: DeliveryOutcome;
}

export interface Notification {
  id: string;
  at: string;
  eventType: string;
  topic: string;
  code?: string;
  /** Normalised designator, e.g. LH400, and date. */
  flight?: string;
  date?: string;
}

export interface Attempt {
  attempt: number;
  at: string;
  status?: number;
  error?: string;
  durationMs: number;
  outcome: DeliveryOutcome;
}

export interface WebhookDeliveries {
  webhookId: string;
  /** The outcome of the latest attempt. */
  outcome: DeliveryOutcome;
  attempts: Attempt[];
}

export interface NotificationTimeline extends Notification {
  deliveries: WebhookDeliveries[];
}

export interface MessageRecord extends NotificationTimeline {
  replay?: unknown;
}

/** A recent message, in the shape a subscription rule is tested against. */
export interface RecentMessage {
  id: string;
  at: string;
  topic: string;
  eventType: string;
  carrier: string;
  flightNumber: string;
  date: string;
  departureAirport?: string;
  arrivalAirport?: string;
}
