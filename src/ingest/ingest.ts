/**
 * The durable MQTT ingest: holds the leader lock, keeps one persistent MQTT session (MqttSession,
 * renewed logins switched by LoginRotation), and acks each message (PUBACK) only once its jobs are
 * stored in Redis.
 *
 * Why acks are sent here and not by mqtt.js: mqtt.js handles incoming packets one at a time and
 * sends a QoS 1 PUBACK only when `handleMessage` calls back, and it parses the next packet only
 * after that. Holding the callback until Redis has the message would allow one message in flight
 * (measured ~1,300 msg/s). So handleMessage hands the message to the AckPipeline and calls back at
 * once with a marker error, which makes mqtt.js skip its PUBACK and go on with the next packet; the
 * pipeline writes many messages per Redis round trip, and the PUBACKs go out afterwards, in order,
 * on the same connection. A PUBACK is never sent on a newer connection (the broker redelivers,
 * and the stable job id turns the redelivery into a no-op). When the pipeline stops accepting
 * (Redis down, too many unacked) handleMessage holds the callback: mqtt.js stops reading the socket.
 */
import type { IPublishPacket, MqttClient } from 'mqtt';
import type { AppDeps, Logger, Part } from '../core/index.js';
import type { IngestStatus } from '../admin/index.js';
import { AckPipeline } from './ack-pipeline.js';
import { SubscriptionGrants } from './subscription-grants.js';
import { LoginRotation } from './login-rotation.js';
import { MqttSession } from './mqtt-session.js';
import { JobBuilder, type JobBuilderOptions, type ReceivedMessage } from '../routing/index.js';
import { LeaderLock, leaderLockKey } from './leader-lock.js';
import { subscriptionFor, type CredentialSource } from '../sources/index.js';
import { type JobSink } from '../queue/index.js';
import type { TelemetrySpan } from '../telemetry/index.js';

/** Passed to mqtt.js's handleMessage callback: "no PUBACK now, ingest sends it after Redis". */
const ACK_LATER = Object.freeze(new Error('PUBACK deferred until the jobs are stored'));

const DRAIN_TIMEOUT_MS = 5000;

/** The one mqtt.js internal used: the same call mqtt.js makes to send its own PUBACKs. */
interface PacketSender {
  _sendPacket(packet: { cmd: 'puback'; messageId: number }): void;
}

/** What the ingest needs of the app's dependencies (the leader lock uses `redis`). */
export type MqttIngestDeps = Pick<
  AppDeps,
  'config' | 'logger' | 'metrics' | 'clock' | 'secrets' | 'redis' | 'telemetry'
>;

export interface MqttIngestOptions {
  credentials: CredentialSource;
  sink: JobSink;
  /** Elect a leader among replicas through Redis (default true). */
  leaderLock?: boolean;
  random?: () => number;
  /** How often a renewed broker login is looked for (default 30 s). */
  credentialCheckInterval?: number;
  /** Subscription matcher and timeline for the job builder. */
  routing?: JobBuilderOptions;
}

export class MqttIngest implements Part {
  readonly name = 'ingest';
  readonly #deps: MqttIngestDeps;
  readonly #sink: JobSink;
  readonly #log: Logger;
  readonly #builder: JobBuilder;
  readonly #useLock: boolean;
  /** flup_messages_received_total{source}, resolved once: no label hashing per message. */
  readonly #received: { inc(): void };
  readonly #grants: SubscriptionGrants;
  readonly #session: MqttSession;
  readonly #rotation: LoginRotation;

  #pipeline?: AckPipeline;
  #lock?: LeaderLock;
  #leader = false;
  #started = false;
  #stopping = false;
  #lastMessageAt?: number;

  constructor(deps: MqttIngestDeps, options: MqttIngestOptions) {
    this.#deps = deps;
    this.#sink = options.sink;
    this.#useLock = options.leaderLock ?? true;
    this.#log = deps.logger.child({ module: 'ingest' });
    this.#builder = new JobBuilder(deps.config, deps.metrics, this.#log, options.routing);
    const subscription = subscriptionFor(deps.config);
    this.#received = deps.metrics.messagesReceived.labels({ source: subscription.kind });
    const { topics, qos } = subscription;
    this.#grants = new SubscriptionGrants(qos, deps.metrics, this.#log);
    const onPublish = (client: MqttClient, packet: IPublishPacket, callback: (error?: Error) => void) =>
      this.#onPublish(client, packet, callback);
    this.#session = new MqttSession(deps, {
      credentials: options.credentials,
      topics,
      qos,
      grants: this.#grants,
      log: this.#log,
      random: options.random,
      onPublish,
    });
    this.#rotation = new LoginRotation(deps, {
      credentials: options.credentials,
      session: this.#session,
      topics,
      qos,
      log: this.#log,
      checkInterval: options.credentialCheckInterval,
      onPublish,
    });
  }

  async start(): Promise<void> {
    const { config, metrics, logger, clock, redis } = this.#deps;
    this.#stopping = false;
    this.#started = true;
    this.#pipeline = new AckPipeline({
      sink: this.#sink,
      build: (messages) => this.#builder.build(messages),
      batchMaxSize: config.ingest.batchMaxSize,
      batchMaxWait: config.ingest.batchMaxWait,
      groupWindow: config.ingest.groupWindow,
      logger: this.#log,
      metrics,
      telemetry: this.#deps.telemetry,
    });
    metrics.mqttConnected.set(0);
    this.#rotation.start();
    if (!this.#useLock) {
      this.#becomeLeader();
      return;
    }
    this.#lock = new LeaderLock({
      redis,
      key: leaderLockKey(config.redis.prefix),
      ttl: config.ingest.leaderLockTtl,
      logger: logger.child({ module: 'leader-lock' }),
      metrics,
      clock,
      onAcquired: () => this.#becomeLeader(),
      onLost: () => this.#becomeStandby(),
    });
    await this.#lock.start();
    if (!this.#lock.held) this.#log.info('another replica holds the leader lock: standing by');
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#stopping = true;
    this.#leader = false;
    this.#session.halt();
    this.#rotation.stop();
    // Ack what is already stored while the connection is still up; the rest the broker redelivers.
    const drained = (await this.#pipeline?.close(DRAIN_TIMEOUT_MS)) ?? true;
    if (!drained)
      this.#log.warn('stopping with unacked messages; the broker redelivers them to the next session');
    // Everything acked: a normal DISCONNECT (logged graceful: true); otherwise cut the connection.
    await this.#disconnect(drained);
    await this.#lock?.stop();
    this.#lock = undefined;
    this.#log.info('ingest stopped');
  }

  status(): IngestStatus {
    const sessionPresent = this.#session.sessionPresent;
    return {
      role: !this.#started ? 'stopped' : this.#leader ? 'leader' : 'standby',
      connected: this.#session.connected,
      ...(sessionPresent !== undefined ? { sessionPresent } : {}),
      paused: this.#pipeline?.paused ?? false,
      ...sessionLostStatus(this.#session.sessionLost),
      ...this.#writeStatus(),
      ...this.#lockStatus(),
      ...(this.#lastMessageAt !== undefined
        ? { lastMessageAt: new Date(this.#lastMessageAt).toISOString() }
        : {}),
      grantedQos: this.#grants.snapshot(),
    };
  }

  #writeStatus(): Partial<IngestStatus> {
    const since = this.#pipeline?.pausedSince;
    if (since === undefined) return {};
    const grace = this.#deps.config.ingest.writeFailureGrace;
    return { pausedSince: new Date(since).toISOString(), writesFailing: Date.now() - since >= grace };
  }

  #lockStatus(): Partial<IngestStatus> {
    const seen = this.#lock?.observation;
    if (!seen) return {};
    const { at, ...rest } = seen;
    const holder = rest.holder === this.#lock?.owner ? 'this replica' : rest.holder;
    return {
      lock: { ...rest, ...(holder !== undefined ? { holder } : {}), ageMs: this.#deps.clock.now() - at },
    };
  }

  #becomeLeader(): void {
    if (this.#stopping) return;
    this.#leader = true;
    this.#session.open();
  }

  #becomeStandby(): void {
    this.#leader = false;
    this.#session.halt();
    void this.#disconnect(true);
  }

  #onPublish(client: MqttClient, packet: IPublishPacket, callback: (error?: Error) => void): void {
    const pipeline = this.#pipeline;
    if (!this.#isLive(client) || !pipeline) {
      callback(ACK_LATER);
      return;
    }
    const now = this.#deps.clock.now();
    this.#received.inc();
    this.#lastMessageAt = now;
    const message: ReceivedMessage = {
      topic: packet.topic,
      payload:
        typeof packet.payload === 'string'
          ? Buffer.from(packet.payload)
          : Buffer.from(packet.payload.buffer, packet.payload.byteOffset, packet.payload.byteLength),
      receivedAt: now,
    };
    const { messageId } = packet;
    const ack = packet.qos > 0 && messageId !== undefined ? () => this.#puback(client, messageId) : undefined;
    const span = this.#deps.telemetry?.enabled ? this.#startTrace(message) : undefined;
    const handOver = () => {
      pipeline.push({ message, ack, span });
      callback(ACK_LATER);
    };
    if (pipeline.accepting) handOver();
    else void pipeline.whenAccepting().then(handOver);
  }

  /** The message's trace starts at receipt; its carrier goes into every job built from it. */
  #startTrace(message: ReceivedMessage): TelemetrySpan | undefined {
    const telemetry = this.#deps.telemetry!;
    const span = telemetry.startIngestSpan({});
    message.trace = telemetry.contextToCarrier(span);
    return span;
  }

  #puback(client: MqttClient, messageId: number): boolean {
    if (!this.#isLive(client) || !client.connected) return false;
    (client as unknown as PacketSender)._sendPacket({ cmd: 'puback', messageId });
    return true;
  }

  /** Connections whose messages are taken and acked: the current one, a successor, retiring ones. */
  #isLive(client: MqttClient): boolean {
    return client === this.#session.client || this.#rotation.owns(client);
  }

  async #disconnect(graceful: boolean): Promise<void> {
    this.#rotation.drop();
    await this.#session.disconnect(graceful);
  }
}

function sessionLostStatus(lost: { count: number; lastAt?: number }): Partial<IngestStatus> {
  if (lost.count === 0) return {};
  return {
    sessionsLost: lost.count,
    ...(lost.lastAt !== undefined ? { lastSessionLostAt: new Date(lost.lastAt).toISOString() } : {}),
  };
}
