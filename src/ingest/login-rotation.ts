/**
 * Make-before-break login rotation: when the broker login is renewed (a new clientID, hence a new
 * broker session), a successor connection connects and subscribes with it before the current
 * session is closed, so no message is missed. LoginRotation looks for a renewed login on a timer,
 * connects the successor and hands it to the MqttSession; the replaced connection keeps acking
 * what it delivered for a grace period, then closes.
 */
import { connect, type MqttClient, type IPublishPacket } from 'mqtt';
import type { AppDeps, Logger } from '../core/index.js';
import {
  brokerTarget,
  type BrokerCredentials,
  type BrokerTarget,
  type CredentialSource,
} from '../sources/index.js';
import type { MqttSession } from './mqtt-session.js';

/**
 * How often the leader compares its broker login with the credential source's. A renewed login
 * (new clientID = new broker session) is switched to make-before-break: the new session is
 * connected and subscribed before the old one closes, so nothing published meanwhile is missed.
 */
const CREDENTIAL_CHECK_MS = 30_000;
/** After a switch the old connection stays this long, so the PUBACKs of what it delivered go out. */
const RETIRE_GRACE_MS = 5000;

export interface SuccessorOptions {
  target: BrokerTarget;
  topics: string[];
  qos: 0 | 1;
  /** Messages the successor receives (it acks them like the current connection). */
  onPublish(client: MqttClient, packet: IPublishPacket, callback: (error?: Error) => void): void;
  /** Connected and every topic granted: switch to it. */
  onReady(client: MqttClient, granted: number[]): void;
  /** Connecting or subscribing failed; returns false when the successor was already dropped. */
  onFailed(client: MqttClient, reason: string): boolean;
}

/** Connects the successor; on failure it is closed and onFailed is told why. */
export function connectSuccessor(options: SuccessorOptions): MqttClient {
  const { target, topics, qos } = options;
  const successor = target.url ? connect(target.url, target.options) : connect(target.options);
  successor.handleMessage = (packet, callback) => options.onPublish(successor, packet, callback);
  const abandon = (reason: string) => {
    if (!options.onFailed(successor, reason)) return;
    successor.removeAllListeners();
    successor.on('error', () => undefined);
    successor.end(true);
  };
  successor.on('error', (err) => abandon(err.message));
  successor.on('close', () => abandon('connection closed'));
  successor.once('connect', () => {
    successor.subscribe(topics, { qos }, (err, _subs, packet) => {
      const granted = (packet?.granted ?? []) as unknown[];
      const codes = granted.map((c) => (typeof c === 'number' ? c : Number((c as { qos?: number }).qos)));
      if (err || codes.length !== topics.length || codes.some((c) => c >= 0x80)) {
        abandon(`subscription refused (${err?.message ?? codes.join(',')})`);
        return;
      }
      options.onReady(successor, codes);
    });
  });
  return successor;
}

export type LoginRotationDeps = Pick<AppDeps, 'config' | 'secrets'>;

export interface LoginRotationOptions {
  credentials: CredentialSource;
  session: MqttSession;
  topics: string[];
  qos: 0 | 1;
  log: Logger;
  /** How often a renewed broker login is looked for (default 30 s). */
  checkInterval?: number;
  /** mqtt.js's handleMessage for the successor connection. */
  onPublish: SuccessorOptions['onPublish'];
}

export class LoginRotation {
  readonly #deps: LoginRotationDeps;
  readonly #options: LoginRotationOptions;
  readonly #session: MqttSession;
  readonly #log: Logger;
  readonly #checkMs: number;
  #timer?: NodeJS.Timeout;
  #stopping = false;
  /** A connection with a renewed login, connecting and subscribing before it replaces the current one. */
  #successor?: MqttClient;
  /** Replaced connections, still acking what they delivered until they close. */
  readonly #retiring = new Set<MqttClient>();

  constructor(deps: LoginRotationDeps, options: LoginRotationOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#session = options.session;
    this.#log = options.log;
    this.#checkMs = options.checkInterval ?? CREDENTIAL_CHECK_MS;
  }

  start(): void {
    this.#stopping = false;
    this.#timer = setInterval(() => void this.check(), this.#checkMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopping = true;
    clearInterval(this.#timer);
  }

  /** The successor and the retiring connections: their messages are taken and acked too. */
  owns(client: MqttClient): boolean {
    return client === this.#successor || this.#retiring.has(client);
  }

  /** Ends the successor and every retiring connection at once (standby or stop). */
  drop(): void {
    for (const other of [this.#successor, ...this.#retiring]) {
      other?.removeAllListeners();
      other?.on('error', () => undefined);
      other?.end(true);
    }
    this.#successor = undefined;
    this.#retiring.clear();
  }

  /** Compares the session's login with the credential source's; a renewed one is switched to. */
  async check(): Promise<void> {
    const session = this.#session;
    const current = session.login;
    if (!session.connected || !current || this.#successor || this.#stopping) return;
    let next: BrokerCredentials;
    try {
      next = await this.#options.credentials.get();
    } catch {
      return; // the credential source logs its own failures; the current login keeps working
    }
    if (next.clientId === current.clientId && next.password === current.password) return;
    if (!session.connected || this.#successor || this.#stopping || session.login !== current) return;
    this.#handover(current, next);
  }

  /** Make-before-break switch to a renewed login (a new clientID, hence a new broker session). */
  #handover(current: BrokerCredentials, next: BrokerCredentials): void {
    let target: BrokerTarget;
    try {
      target = brokerTarget(this.#deps.config, next);
    } catch (err) {
      this.#session.logError(`cannot use the renewed broker credentials: ${(err as Error).message}`, err);
      return;
    }
    this.#deps.secrets.add(next.password);
    this.#log.info(
      { from: current.clientId, to: next.clientId },
      'broker credentials were renewed: connecting the new session before closing the current one',
    );
    this.#successor = connectSuccessor({
      target,
      topics: this.#options.topics,
      qos: this.#options.qos,
      onPublish: this.#options.onPublish,
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
  }

  #switchTo(successor: MqttClient, login: BrokerCredentials, target: string, granted: number[]): void {
    this.#successor = undefined;
    const old = this.#session.adopt(successor, login, target, granted);
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
}
