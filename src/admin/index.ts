/** The admin module's public surface: metrics, the status contracts and the admin server. */
export { Metrics } from '../core/index.js';
export { AdminServer, parseListen, type AdminServerOptions } from './server.js';
export { DeliveryStats, quantile, SUCCESS_OUTCOMES, type WebhookStats } from './stats.js';
export { readiness, type Readiness, type CheckResult } from './readiness.js';
export { API_OFF_MESSAGE } from './api.js';
export type * from './status.js';
export * from './status.js';
