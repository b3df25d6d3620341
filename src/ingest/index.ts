/** Public surface of the ingest module: MQTT → Redis with PUBACK after the write, one leader. */
import type { AppDeps, Part } from '../core/index.js';
import type { IngestStatus } from '../admin/index.js';
import { MqttIngest } from './ingest.js';
import { type JobSink } from '../queue/index.js';
import { type CredentialSource } from '../sources/index.js';

export { MqttIngest, type MqttIngestDeps, type MqttIngestOptions } from './ingest.js';
export { LeaderLock, leaderLockKey, type LeaderLockOptions } from './leader-lock.js';
export { AckPipeline, type AckPipelineOptions, type PipelineItem } from './ack-pipeline.js';
export { JobBuilder, type ReceivedMessage, type RejectReason } from '../routing/index.js';
export { brokerTarget, type BrokerTarget } from '../sources/index.js';
export { Backoff } from '../core/index.js';

export interface IngestWiring {
  /** Broker login: LufthansaCredentials or StaticMqttCredentials (auth's createAuth().credentials). */
  credentials: CredentialSource;
  /** Where jobs go: a QueueJobWriter (src/routing). */
  sink: JobSink;
}

/** The ingest part for the app (role all or ingest); also a StatusSources.ingest. */
export function createIngest(deps: AppDeps, wiring: IngestWiring): Part & { status(): IngestStatus } {
  return new MqttIngest(deps, { credentials: wiring.credentials, sink: wiring.sink });
}
