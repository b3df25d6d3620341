/** What the harness needs from a system under test. */
export interface StartContext {
  mqttUrl: string;
  redisUrl: string;
  /** Webhook URLs (1 for burst/steady, 3 for fan-out). */
  targets: string[];
  /** Unique per cell: MQTT client ids and Redis prefixes derive from it. */
  cell: string;
  /** A fresh folder for this cell's config files and logs. */
  workDir: string;
  /** Topic filter covering every benchmark message. */
  topic: string;
  /** Where the transpiled child programs (direct, naive) are. */
  jsDir: string;
  repoRoot: string;
  /** Set: write V8 CPU profiles of the system's processes here. */
  profileDir?: string;
  /** OTLP/HTTP base URL of the bench's discarding trace sink (systems with `tracing`). */
  traceSinkUrl?: string;
  /** The simulated Lufthansa API (systems with `lufthansa`). */
  lufthansa?: LufthansaApi;
}

/** What a system running the Lufthansa source needs of the simulated API. */
export interface LufthansaApi {
  url: string;
  clientKey: string;
  clientSecret: string;
  /** Broker client ids the Certificate Manager issued, to wipe their sessions after a cell. */
  issuedClientIds(): readonly string[];
}

export interface RunningSystem {
  /** PIDs whose RSS and CPU are the system's. */
  pids: number[];
  /** MQTT client ids to wipe from the broker after the cell (persistent sessions). */
  clientIds: string[];
  stop(): Promise<void>;
  /** Optional counters the system reports about itself (flup-bridge /metrics). */
  counters?(): Promise<Record<string, number>>;
}

export interface SystemSpec {
  id: string;
  label: string;
  usesRedis: boolean;
  /** replicated: runs against the bench's second Redis master, which has one replica. */
  redis?: 'main' | 'replicated';
  /** Exports traces: the harness starts the OTLP sink and checks that spans reached it. */
  tracing?: boolean;
  /** Signs with an ed25519 key: the harness checks that v1a signatures arrived. */
  signsV1a?: boolean;
  /** Runs the Lufthansa source: the harness starts the simulated Lufthansa API. */
  lufthansa?: boolean;
  start(ctx: StartContext): Promise<RunningSystem>;
}
