/**
 * The simulated Lufthansa flight-update broker (LUFTHANSA-NOTES.md §2): aedes in-process, on a
 * plain or TLS port. It accepts a client only when username = client id = a clientID the API
 * simulator issued and password = that clientID's JWT (the check is delegated to verifyLogin);
 * anything else is refused with the matching CONNACK code. Clients may subscribe but not publish;
 * the simulator publishes itself (publish()). Sessions (clean: false) and QoS 1 redelivery are
 * kept in memory for the life of the simulator.
 */
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Aedes, AuthenticateError, Client } from 'aedes';

export type BrokerLoginResult = 'ok' | 'unknown-client' | 'bad-password' | 'expired';

export interface LufthansaBrokerSimOptions {
  /** Checks a login, e.g. LufthansaApiSim.verifyBrokerLogin. */
  verifyLogin(username: string, password: string): Promise<BrokerLoginResult>;
  /** Serve TLS with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Grant QoS 0 to every subscription (a broker that does not do QoS 1). */
  grantQos0?: boolean;
  /** Subscriptions must lie under this topic prefix; others are refused (SUBACK 0x80). */
  topicPrefix?: string;
}

/** CONNACK return codes of MQTT 3.1.1. */
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

export class LufthansaBrokerSim {
  /** Counters for tests: logins accepted/refused, PUBACKs received from clients, messages published. */
  readonly stats = { connections: 0, refused: 0, pubacks: 0, published: 0, subscriptions: 0 };
  readonly #options: LufthansaBrokerSimOptions;
  readonly #sockets = new Set<Socket>();
  #broker?: Aedes;
  #server?: Server;
  #port = 0;

  constructor(options: LufthansaBrokerSimOptions) {
    this.#options = options;
  }

  get port(): number {
    if (!this.#server) throw new Error('LufthansaBrokerSim is not started');
    return this.#port;
  }

  get url(): string {
    return `${this.#options.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${this.port}`;
  }

  /** Clients currently connected. */
  get connectedClients(): number {
    return this.#broker?.connectedClients ?? 0;
  }

  async start(port = 0): Promise<void> {
    // aedes is a development dependency: loaded only when a simulator runs.
    const { Aedes } = await import('aedes');
    const prefix = this.#options.topicPrefix ?? 'prd/FlightUpdate/';
    const broker = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        void this.#authenticate(client, username, password).then(
          (code) => {
            if (code === 0) {
              this.stats.connections += 1;
              done(null, true);
              return;
            }
            this.stats.refused += 1;
            const error = Object.assign(new Error('login refused'), {
              returnCode: code,
            }) as AuthenticateError;
            done(error, false);
          },
          () =>
            done(
              Object.assign(new Error('login check failed'), { returnCode: 3 }) as AuthenticateError,
              false,
            ),
        );
      },
      // Subscribe only: a client's PUBLISH is refused; the simulator's own publishes have no client.
      authorizePublish: (client, _packet, callback) =>
        callback(client ? new Error('publishing is not allowed') : null),
      authorizeSubscribe: (_client, subscription, callback) => {
        if (!subscription.topic.startsWith(prefix)) {
          callback(null, null);
          return;
        }
        this.stats.subscriptions += 1;
        callback(null, subscription);
      },
    });
    broker.on('ack', () => {
      this.stats.pubacks += 1;
    });
    const onConnection = (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      const client = broker.handle(socket);
      if (this.#options.grantQos0) downgradeSubscriptions(client);
    };
    const server = this.#options.tls
      ? createTlsServer({ key: this.#options.tls.key, cert: this.#options.tls.cert }, onConnection)
      : createTcpServer(onConnection);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#port = (server.address() as { port: number }).port;
    this.#broker = broker;
    this.#server = server;
  }

  /** Publishes as the broker (the notification service's own publisher), QoS 1 by default. */
  publish(topic: string, payload: string | Buffer, qos: 0 | 1 = 1): Promise<void> {
    const broker = this.#broker;
    if (!broker) return Promise.reject(new Error('LufthansaBrokerSim is not started'));
    return new Promise((resolve, reject) => {
      broker.publish(
        {
          cmd: 'publish',
          topic,
          payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
          qos,
          retain: false,
          dup: false,
        },
        (err) => {
          if (err) reject(err);
          else {
            this.stats.published += 1;
            resolve();
          }
        },
      );
    });
  }

  async stop(): Promise<void> {
    const server = this.#server;
    const broker = this.#broker;
    this.#server = undefined;
    this.#broker = undefined;
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all([
      server ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined,
      broker ? new Promise<void>((resolve) => broker.close(() => resolve())) : undefined,
    ]);
  }

  async #authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
  ): Promise<number> {
    if (!username || !password) return BAD_USERNAME_OR_PASSWORD;
    // The live broker maps client id = username = the issued clientID.
    if (client.id !== username) return NOT_AUTHORIZED;
    const result = await this.#options.verifyLogin(username, password.toString('utf8'));
    if (result === 'ok') return 0;
    return result === 'expired' ? NOT_AUTHORIZED : BAD_USERNAME_OR_PASSWORD;
  }
}

/**
 * aedes reports the requested QoS in SUBACK even when authorizeSubscribe lowers it, so the
 * downgrade is applied to the SUBSCRIBE packet itself, before aedes handles it (simulator only).
 */
function downgradeSubscriptions(client: Client): void {
  const parser = (client as unknown as { _parser?: NodeJS.EventEmitter })._parser;
  parser?.prependListener('packet', (packet: { cmd?: string; subscriptions?: Array<{ qos: number }> }) => {
    if (packet.cmd === 'subscribe') for (const sub of packet.subscriptions ?? []) sub.qos = 0;
  });
}
