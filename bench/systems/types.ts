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
  start(ctx: StartContext): Promise<RunningSystem>;
}
