/**
 * The durable MQTT ingest: holds the leader lock, keeps one persistent MQTT session, and acks each
 * message (PUBACK) only once its jobs are stored in Redis.
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
import {
  connect,
  type ClientSubscribeCallback,
  type IClientOptions,
  type IConnackPacket,
  type IPublishPacket,
  type MqttClient,
} from 'mqtt';
import type { AppDeps, Part } from '../core/index.js';
import type { IngestStatus } from '../admin/index.js';
import type { Logger } from '../core/index.js';
import { AckPipeline } from './ack-pipeline.js';
import { SubscriptionGrants } from './subscription-grants.js';
import { connectSuccessor } from './login-rotation.js';
import { Backoff } from '../core/index.js';
import { JobBuilder, type ReceivedMessage } from '../routing/index.js';
import { LeaderLock, leaderLockKey } from './leader-lock.js';
import { brokerTarget, subscriptionFor } from '../sources/index.js';
import { type JobSink } from '../queue/index.js';
import { type BrokerCredentials, type CredentialSource } from '../sources/index.js';

/** Passed to mqtt.js's handleMessage callback: "no PUBACK now, ingest sends it after Redis". */
const ACK_LATER = Object.freeze(new Error('PUBACK deferred until the jobs are stored'));

/** CONNACK codes that mean "these credentials are refused": 3.1.1 (4, 5) and MQTT 5 (0x86, 0x87). */
const REFUSED_CODES = new Set([4, 5, 0x86, 0x87]);

/**
 * How often the leader compares its broker login with the credential source's. A renewed login
 * (new clientID = new broker session) is switched to make-before-break: the new session is
 * connected and subscribed before the old one closes, so nothing published meanwhile is missed.
 */
const CREDENTIAL_CHECK_MS = 30_000;
/** After a switch the old connection stays this long, so the PUBACKs of what it delivered go out. */
const RETIRE_GRACE_MS = 5000;

/** A connection that lasted this long resets the reconnect backoff. */
const STABLE_CONNECTION_MS = 10_000;
const DRAIN_TIMEOUT_MS = 5000;

/** The one mqtt.js internal used: the same call mqtt.js makes to send its own PUBACKs. */
interface PacketSender {
  _sendPacket(packet: { cmd: 'puback'; messageId: number }): void;
}

/** What the ingest needs of the app's dependencies (the leader lock uses `redis`). */
export type MqttIngestDeps = Pick<AppDeps, 'config' | 'logger' | 'metrics' | 'clock' | 'secrets' | 'redis'>;

export interface MqttIngestOptions {
  credentials: CredentialSource;
  sink: JobSink;
  /** Elect a leader among replicas through Redis (default true). */
  leaderLock?: boolean;
  random?: () => number;
  /** How often a renewed broker login is looked for (default 30 s). */
  credentialCheckInterval?: number;
}

export class MqttIngest implements Part {
  readonly name = 'ingest';
  readonly #deps: MqttIngestDeps;
  readonly #credentials: CredentialSource;
  readonly #sink: JobSink;
  readonly #log: Logger;
  readonly #builder: JobBuilder;
  readonly #backoff: Backoff;
  readonly #useLock: boolean;
  /** flup_messages_received_total{source}, resolved once: no label hashing per message. */
  readonly #received: { inc(): void };
  readonly #topics: string[];
  readonly #qos: 0 | 1;

  #pipeline?: AckPipeline;
  #lock?: LeaderLock;
  #client?: MqttClient;
  /** The login #client connected with. */
  #login?: BrokerCredentials;
  /** A connection with a renewed login, connecting and subscribing before it replaces #client. */
  #successor?: MqttClient;
  /** Replaced connections, still acking what they delivered until they close. */
  readonly #retiring = new Set<MqttClient>();
  #credentialTimer?: NodeJS.Timeout;
  readonly #credentialCheckMs: number;
  #leader = false;
  #started = false;
  #stopping = false;
  #connecting = false;
  #connected = false;
  #connectedAt = 0;
  #reconnectTimer?: NodeJS.Timeout;
  #sessionPresent?: boolean;
  #subscribedOnce = false;
  readonly #grants: SubscriptionGrants;
  #lastMessageAt?: number;
  #refused = false;
  #renewedAfterRefusal = false;
  #lastError?: string;
  #target = '';

  constructor(deps: MqttIngestDeps, options: MqttIngestOptions) {
    this.#deps = deps;
    this.#credentials = options.credentials;
    this.#sink = options.sink;
    this.#useLock = options.leaderLock ?? true;
    this.#credentialCheckMs = options.credentialCheckInterval ?? CREDENTIAL_CHECK_MS;
    this.#log = deps.logger.child({ module: 'ingest' });
    this.#builder = new JobBuilder(deps.config, deps.metrics, this.#log);
    this.#backoff = new Backoff({ cap: deps.config.ingest.reconnectMaxDelay, random: options.random });
    const subscription = subscriptionFor(deps.config);
    this.#received = deps.metrics.messagesReceived.labels({ source: subscription.kind });
    this.#topics = subscription.topics;
    this.#qos = subscription.qos;
    this.#grants = new SubscriptionGrants(subscription.qos, deps.metrics, this.#log);
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
      logger: this.#log,
      metrics,
    });
    metrics.mqttConnected.set(0);
    this.#credentialTimer = setInterval(() => void this.#checkCredentials(), this.#credentialCheckMs);
    this.#credentialTimer.unref();
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
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#credentialTimer);
    // Ack what is already stored while the connection is still up; the rest the broker redelivers.
    const drained = (await this.#pipeline?.close(DRAIN_TIMEOUT_MS)) ?? true;
    if (!drained)
      this.#log.warn('stopping with unacked messages; the broker redelivers them to the next session');
    await this.#disconnect(false);
    await this.#lock?.stop();
    this.#lock = undefined;
    this.#log.info('ingest stopped');
  }

  status(): IngestStatus {
    return {
      role: !this.#started ? 'stopped' : this.#leader ? 'leader' : 'standby',
      connected: this.#connected,
      ...(this.#sessionPresent !== undefined ? { sessionPresent: this.#sessionPresent } : {}),
      paused: this.#pipeline?.paused ?? false,
      ...(this.#lastMessageAt !== undefined
        ? { lastMessageAt: new Date(this.#lastMessageAt).toISOString() }
        : {}),
      grantedQos: this.#grants.snapshot(),
    };
  }

  #becomeLeader(): void {
    if (this.#stopping) return;
    this.#leader = true;
    this.#backoff.reset();
    void this.#connect();
  }

  #becomeStandby(): void {
    this.#leader = false;
    clearTimeout(this.#reconnectTimer);
    void this.#disconnect(true);
  }

  async #connect(): Promise<void> {
    if (!this.#leader || this.#stopping || this.#client || this.#connecting) return;
    this.#connecting = true;
    let credentials: BrokerCredentials;
    let target: ReturnType<typeof brokerTarget>;
    try {
      credentials = await this.#getCredentials();
      target = brokerTarget(this.#deps.config, credentials);
    } catch (err) {
      this.#connecting = false;
      this.#logError(`cannot get broker credentials: ${(err as Error).message}`, err);
      this.#scheduleReconnect();
      return;
    }
    this.#connecting = false;
    if (!this.#leader || this.#stopping || this.#client) return;
    this.#deps.secrets.add(credentials.password);
    this.#target = target.describe;
    this.#log.debug(
      { broker: target.describe, clientId: credentials.clientId },
      'connecting to the MQTT broker',
    );
    const options: IClientOptions = target.options;
    const client = target.url ? connect(target.url, options) : connect(options);
    this.#client = client;
    this.#login = credentials;
    client.handleMessage = (packet, callback) => this.#onPublish(client, packet, callback);
    client.on('connect', (connack) => this.#onConnect(client, connack, credentials));
    client.on('error', (err) => this.#onError(client, err));
    client.on('close', () => this.#onClose(client));
  }

  /** One renewal after the broker refused the login, until a connection succeeds again. */
  async #getCredentials(): Promise<BrokerCredentials> {
    if (this.#refused && !this.#renewedAfterRefusal) {
      this.#renewedAfterRefusal = true;
      this.#log.info('the broker refused the login: renewing the broker credentials once');
      try {
        return await this.#credentials.renew('refused');
      } catch (err) {
        this.#log.error({ err }, 'renewing the broker credentials failed; retrying with the current ones');
      }
    }
    return this.#credentials.get();
  }

  #onConnect(client: MqttClient, connack: IConnackPacket, credentials: BrokerCredentials): void {
    if (client !== this.#client) return;
    this.#connected = true;
    this.#connectedAt = this.#deps.clock.now();
    this.#deps.metrics.mqttConnected.set(1);
    this.#refused = false;
    this.#renewedAfterRefusal = false;
    this.#lastError = undefined;
    this.#sessionPresent = connack.sessionPresent;
    this.#log.info(
      { broker: this.#target, clientId: credentials.clientId, sessionPresent: connack.sessionPresent },
      `connected to the MQTT broker (${connack.sessionPresent ? 'session kept' : 'new session'})`,
    );
    // Subscribe when the broker did not keep the session, and once per process so a changed topic
    // list takes effect and SUBACK tells the granted QoS.
    if (!connack.sessionPresent || !this.#subscribedOnce) this.#subscribe(client);
  }

  #subscribe(client: MqttClient): void {
    const topics = this.#topics;
    const onSuback: ClientSubscribeCallback = (err, _subs, packet) => {
      if (client !== this.#client) return;
      const granted = packet?.granted;
      if (!granted) {
        this.#log.error({ err, topics }, 'subscribing failed; retrying after a reconnect');
        client.end(true);
        return;
      }
      this.#subscribedOnce = true;
      (granted as unknown[]).forEach((code, i) =>
        this.#grants.onGranted(
          topics[i]!,
          typeof code === 'number' ? code : Number((code as { qos?: number }).qos),
        ),
      );
    };
    client.subscribe(topics, { qos: this.#qos }, onSuback);
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
    const handOver = () => {
      pipeline.push({ message, ack });
      callback(ACK_LATER);
    };
    if (pipeline.accepting) handOver();
    else void pipeline.whenAccepting().then(handOver);
  }

  #puback(client: MqttClient, messageId: number): boolean {
    if (!this.#isLive(client) || !client.connected) return false;
    (client as unknown as PacketSender)._sendPacket({ cmd: 'puback', messageId });
    return true;
  }

  /** Connections whose messages are taken and acked: the current one, a successor, retiring ones. */
  #isLive(client: MqttClient): boolean {
    return client === this.#client || client === this.#successor || this.#retiring.has(client);
  }

  async #checkCredentials(): Promise<void> {
    const current = this.#login;
    if (!this.#connected || !current || this.#successor || this.#stopping) return;
    let next: BrokerCredentials;
    try {
      next = await this.#credentials.get();
    } catch {
      return; // the credential source logs its own failures; the current login keeps working
    }
    if (next.clientId === current.clientId && next.password === current.password) return;
    if (!this.#connected || this.#successor || this.#stopping || this.#login !== current) return;
    this.#handover(current, next);
  }

  /** Make-before-break switch to a renewed login (a new clientID, hence a new broker session). */
  #handover(current: BrokerCredentials, next: BrokerCredentials): void {
    let target: ReturnType<typeof brokerTarget>;
    try {
      target = brokerTarget(this.#deps.config, next);
    } catch (err) {
      this.#logError(`cannot use the renewed broker credentials: ${(err as Error).message}`, err);
      return;
    }
    this.#deps.secrets.add(next.password);
    this.#log.info(
      { from: current.clientId, to: next.clientId },
      'broker credentials were renewed: connecting the new session before closing the current one',
    );
    const successor = connectSuccessor({
      target,
      topics: this.#topics,
      qos: this.#qos,
      onPublish: (client, packet, callback) => this.#onPublish(client, packet, callback),
      onReady: (client, granted) => {
        if (this.#successor === client) this.#switchTo(client, next, target.describe, granted);
      },
      onFailed: (client, reason) => {
        if (this.#successor !== client) return false;
        this.#successor = undefined;
        this.#log.warn(
          { to: next.clientId, reason },
          'switching to the renewed broker login failed; the current session goes on, retrying later',
        );
        return true;
      },
    });
    this.#successor = successor;
  }

  #switchTo(successor: MqttClient, login: BrokerCredentials, target: string, granted: number[]): void {
    const old = this.#client;
    successor.removeAllListeners('error');
    successor.removeAllListeners('close');
    successor.on('error', (err) => this.#onError(successor, err));
    successor.on('close', () => this.#onClose(successor));
    this.#successor = undefined;
    this.#client = successor;
    this.#login = login;
    this.#target = target;
    this.#sessionPresent = false;
    this.#connectedAt = this.#deps.clock.now();
    this.#subscribedOnce = true;
    granted.forEach((code, i) => this.#grants.onGranted(this.#topics[i]!, code));
    this.#log.info({ clientId: login.clientId }, 'now receiving on the renewed broker login');
    if (!old) return;
    // The old session is not used again: end it once what it delivered has been acked.
    this.#retiring.add(old);
    setTimeout(() => {
      old.end(false, {}, () => this.#retiring.delete(old));
      setTimeout(() => {
        old.end(true);
        this.#retiring.delete(old);
      }, 2000).unref();
    }, RETIRE_GRACE_MS).unref();
  }

  #onError(client: MqttClient, err: Error & { code?: unknown }): void {
    if (client !== this.#client) return;
    if (typeof err.code === 'number' && REFUSED_CODES.has(err.code)) {
      this.#refused = true;
      const renewed = this.#renewedAfterRefusal;
      this.#log.error(
        { broker: this.#target, code: err.code },
        `the broker refused the login (CONNACK ${err.code}: ${err.message})${renewed ? ' even after renewing the credentials: check source.lufthansa.clientId and authGroups' : ''}`,
      );
      return;
    }
    this.#logError(`MQTT connection error: ${err.message}`, err);
  }

  #onClose(client: MqttClient): void {
    if (client !== this.#client) return;
    this.#client = undefined;
    client.removeAllListeners('connect');
    client.end(true);
    const wasConnected = this.#connected;
    this.#connected = false;
    this.#deps.metrics.mqttConnected.set(0);
    if (wasConnected) {
      this.#log.warn({ broker: this.#target }, 'MQTT connection lost; reconnecting');
      if (this.#deps.clock.now() - this.#connectedAt >= STABLE_CONNECTION_MS) this.#backoff.reset();
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (!this.#leader || this.#stopping) return;
    clearTimeout(this.#reconnectTimer);
    const delay = this.#backoff.next();
    this.#deps.metrics.mqttReconnects.inc();
    this.#log.debug({ delay }, 'reconnecting after a delay');
    this.#reconnectTimer = setTimeout(() => void this.#connect(), delay);
  }

  /** Repeated identical errors (a broker down for a while) are logged once, then at debug. */
  #logError(message: string, err: unknown): void {
    const repeated = message === this.#lastError;
    this.#lastError = message;
    this.#log[repeated ? 'debug' : 'warn']({ err, broker: this.#target }, message);
  }

  async #disconnect(graceful: boolean): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    this.#login = undefined;
    for (const other of [this.#successor, ...this.#retiring]) {
      other?.removeAllListeners();
      other?.on('error', () => undefined);
      other?.end(true);
    }
    this.#successor = undefined;
    this.#retiring.clear();
    if (this.#connected) this.#log.info({ graceful }, 'disconnecting from the MQTT broker');
    this.#connected = false;
    this.#deps.metrics.mqttConnected.set(0);
    if (!client) return;
    if (!graceful) {
      client.end(true);
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        client.end(true);
        resolve();
      }, 2000);
      client.end(false, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
