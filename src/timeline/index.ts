/** The flight timeline: notifications per flight and delivery attempts per webhook (issue 21). */
export { TimelineStore, type TimelineStoreOptions } from './store.js';
export type {
  Attempt,
  AttemptInput,
  DeliveryOutcome,
  MessageRecord,
  Notification,
  NotificationInput,
  NotificationTimeline,
  RecentMessage,
  TimelineFlight,
  WebhookDeliveries,
} from './types.js';
export { createTimeline } from './create.js';
