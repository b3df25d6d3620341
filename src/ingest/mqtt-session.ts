/**
 * The leader's MQTT session: connects with the source's broker login, subscribes (SUBACK bookkeeping
 * in SubscriptionGrants), reconnects with the shared Backoff, and renews the login once when the
 * broker refuses it. Incoming PUBLISH packets go to `onPublish` (the ingest's ack pipeline).
 */
import {
  connect,
  type ClientSubscribeCallback,
  type IConnackPacket,
  type IClientOptions,
  type IPublishPacket,
  type MqttClient,
} from 'mqtt';
import type { AppDeps, Logger } from '../core/index.js';
import { Backoff } from '../core/index.js';
import { brokerTarget, type BrokerCredentials, type CredentialSource } from '../sources/index.js';
import type { SubscriptionGrants } from './subscription-grants.js';
import { SessionContinuity } from './session-continuity.js';

/** CONNACK codes that mean "these credentials are refused": 3.1.1 (4, 5) and MQTT 5 (0x86, 0x87). */
const REFUSED_CODES = new Set([4, 5, 0x86, 0x87]);

/** A connection that lasted this long resets the reconnect backoff. */
const STABLE_CONNECTION_MS = 10_000;

export type MqttSessionDeps = Pick<AppDeps, 'config' | 'metrics' | 'clock' | 'secrets'>;

export interface MqttSessionOptions {
  credentials: CredentialSource;
  topics: string[];
  qos: 0 | 1;
  grants: SubscriptionGrants;
  log: Logger;
  random?: () => number;
  /** mqtt.js's handleMessage for every connection this session opens. */
  onPublish(client: MqttClient, packet: IPublishPacket, callback: (error?: Error) => void): void;
}

export class MqttSession {
  readonly #deps: MqttSessionDeps;
  readonly #options: MqttSessionOptions;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  readonly #continuity: SessionContinuity;

  /** Connecting and reconnecting is wanted: this replica leads and is not stopping. */
  #active = false;
  #client?: MqttClient;
  /** The login #client connected with. */
  #login?: BrokerCredentials;
  #connecting = false;
  #connected = false;
  #connectedAt = 0;
  #reconnectTimer?: NodeJS.Timeout;
  #sessionPresent?: boolean;
  #subscribedOnce = false;
  /** Client id of the last session the broker accepted: a reconnect with it expects that session. */
  #refused = false;
  #renewedAfterRefusal = false;
  #lastError?: string;
  #target = '';

  constructor(deps: MqttSessionDeps, options: MqttSessionOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#log = options.log;
    this.#backoff = new Backoff({ cap: deps.config.ingest.reconnectMaxDelay, random: options.random });
    this.#continuity = new SessionContinuity(deps, options.log);
  }

  get client(): MqttClient | undefined {
    return this.#client;
  }

  get login(): BrokerCredentials | undefined {
    return this.#login;
  }

  get connected(): boolean {
    return this.#connected;
  }

  get sessionPresent(): boolean | undefined {
    return this.#sessionPresent;
  }

  /** Reconnects where the broker had not kept the session this process had with it. */
  get sessionLost(): { count: number; lastAt?: number } {
    return this.#continuity.lost;
  }

  /** Become the leader's session: connect now (backoff reset) and reconnect until halt(). */
  open(): void {
    this.#active = true;
    this.#backoff.reset();
    void this.#connect();
  }

  /** No more (re)connecting; the current connection stays until disconnect(). */
  halt(): void {
    this.#active = false;
    clearTimeout(this.#reconnectTimer);
  }

  /**
   * Takes over a connection that is connected and subscribed with a renewed login (make-before-break).
   * Returns the connection it replaces, which the caller retires.
   */
  adopt(
    client: MqttClient,
    login: BrokerCredentials,
    target: string,
    granted: number[],
  ): MqttClient | undefined {
    const old = this.#client;
    client.removeAllListeners('error');
    client.removeAllListeners('close');
    client.on('error', (err) => this.#onError(client, err));
    client.on('close', () => this.#onClose(client));
    this.#client = client;
    this.#login = login;
    this.#target = target;
    this.#sessionPresent = false;
    this.#continuity.adopted(login.clientId);
    this.#connectedAt = this.#deps.clock.now();
    this.#subscribedOnce = true;
    granted.forEach((code, i) => this.#options.grants.onGranted(this.#options.topics[i]!, code));
    return old;
  }

  /** Repeated identical errors (a broker down for a while) are logged once, then at debug. */
  logError(message: string, err: unknown): void {
    const repeated = message === this.#lastError;
    this.#lastError = message;
    this.#log[repeated ? 'debug' : 'warn']({ err, broker: this.#target }, message);
  }

  async disconnect(graceful: boolean): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    this.#login = undefined;
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

  async #connect(): Promise<void> {
    if (!this.#active || this.#client || this.#connecting) return;
    this.#connecting = true;
    let credentials: BrokerCredentials;
    let target: ReturnType<typeof brokerTarget>;
    try {
      credentials = await this.#getCredentials();
      target = brokerTarget(this.#deps.config, credentials);
    } catch (err) {
      this.#connecting = false;
      this.logError(`cannot get broker credentials: ${(err as Error).message}`, err);
      this.#scheduleReconnect();
      return;
    }
    this.#connecting = false;
    if (!this.#active || this.#client) return;
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
    client.handleMessage = (packet, callback) => this.#options.onPublish(client, packet, callback);
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
        return await this.#options.credentials.renew('refused');
      } catch (err) {
        this.#log.error({ err }, 'renewing the broker credentials failed; retrying with the current ones');
      }
    }
    return this.#options.credentials.get();
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
    this.#continuity.connected(credentials.clientId, connack.sessionPresent, this.#target);
    this.#log.info(
      { broker: this.#target, clientId: credentials.clientId, sessionPresent: connack.sessionPresent },
      `connected to the MQTT broker (${connack.sessionPresent ? 'session kept' : 'new session'})`,
    );
    // Subscribe when the broker did not keep the session, and once per process so a changed topic
    // list takes effect and SUBACK tells the granted QoS.
    if (!connack.sessionPresent || !this.#subscribedOnce) this.#subscribe(client);
  }

  #subscribe(client: MqttClient): void {
    const { topics, qos, grants } = this.#options;
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
        grants.onGranted(
          topics[i]!,
          typeof code === 'number' ? code : Number((code as { qos?: number }).qos),
        ),
      );
    };
    client.subscribe(topics, { qos }, onSuback);
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
    this.logError(`MQTT connection error: ${err.message}`, err);
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
    if (!this.#active) return;
    clearTimeout(this.#reconnectTimer);
    const delay = this.#backoff.next();
    this.#deps.metrics.mqttReconnects.inc();
    this.#log.debug({ delay }, 'reconnecting after a delay');
    this.#reconnectTimer = setTimeout(() => void this.#connect(), delay);
  }
}
