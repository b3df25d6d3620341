/** The vendor simulators (tests and `flup-bridge demo`). */
export {
  LufthansaApiSim,
  JWT_AUTH_GROUPS_CLAIM,
  type LufthansaApiSimOptions,
  type LufthansaFault,
  type LufthansaEndpoint,
  type RouteHandler,
} from './lufthansa-api.js';
export {
  AerisTokenSim,
  DEMO_AERIS_ACCOUNT,
  type AerisAccount,
  type AerisAnswerMode,
  type AerisTokenSimOptions,
} from './aeris.js';
export * from './lufthansa-api.js';
export * from './broker.js';
export * from './flights.js';
export * from './flight-status.js';
export * from './publisher.js';
export * from './receiver.js';
export * from './net.js';
