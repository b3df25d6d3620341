/**
 * Real Redis HA topologies for tests, on free loopback ports, ended by PID, in temp dirs:
 * a Sentinel group (1 master, 1 replica, 3 sentinels) and a Cluster (3 masters + 3 replicas).
 * Every wait polls the servers' own state (ROLE, SENTINEL, CLUSTER INFO/SLOTS) under an overall
 * deadline; nothing sleeps a fixed time.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { ManagedServer, freePort, startRedis, waitFor } from './servers.js';

const run = promisify(execFile);
/** Generous: a failover on a loaded 2-CPU machine can take several down-after periods. */
const TOPOLOGY_DEADLINE_MS = 60_000;

/** One command against 127.0.0.1:port on a throwaway connection; rejects instead of retrying. */
export async function ask(port: number, ...args: Array<string | number>): Promise<unknown> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const [command, ...rest] = args;
    return await client.call(String(command), ...rest);
  } finally {
    client.disconnect();
  }
}

/** Like ask, but undefined when the node does not answer (killed, starting, loading). */
async function tryAsk(port: number, ...args: Array<string | number>): Promise<unknown> {
  try {
    return await ask(port, ...args);
  } catch {
    return undefined;
  }
}

/** A data node; a replica that lost its link (every failover) resyncs now, not after 5 s. */
function newNode(args: string[] = []): Promise<ManagedServer> {
  return startRedis({ args: ['--repl-diskless-sync-delay', '0', ...args] });
}

async function disposeAll(servers: ManagedServer[]): Promise<void> {
  await Promise.all(servers.map((s) => s.dispose()));
}

// ---------------------------------------------------------------------------------------------
// Sentinel

export interface SentinelGroup {
  readonly name: string;
  /** host:port of each sentinel, as a client is configured with them. */
  readonly sentinels: string[];
  /** The data nodes (master and replica at start; roles change on failover). */
  readonly servers: ManagedServer[];
  /** Port of the master the sentinels report now. */
  masterPort(): Promise<number>;
  /** SENTINEL FAILOVER, then waits until all sentinels report the new master and it takes writes. */
  failover(): Promise<{ from: number; to: number }>;
  /** SIGKILLs the current master, then waits as failover() does. */
  killMaster(): Promise<{ from: number; to: number }>;
  stop(): Promise<void>;
}

export async function startSentinelGroup(
  options: { name?: string; downAfterMs?: number } = {},
): Promise<SentinelGroup> {
  const name = options.name ?? 'flupmaster';
  const downAfterMs = options.downAfterMs ?? 1000;
  const servers: ManagedServer[] = [];
  const sentinelProcs: ManagedServer[] = [];
  const stop = () => disposeAll([...sentinelProcs, ...servers]);
  try {
    const master = await newNode();
    servers.push(master);
    servers.push(await newNode(['--replicaof', '127.0.0.1', String(master.port)]));
    await waitForReplicaLink(servers[1]!.port);
    for (let i = 0; i < 3; i++) sentinelProcs.push(await startSentinel(name, master.port, downAfterMs));
    const sentinelPorts = sentinelProcs.map((s) => s.port);
    // Sentinels must know each other and the replica before a failover can be authorised.
    await waitFor(
      async () => {
        for (const port of sentinelPorts) {
          const info = (await tryAsk(port, 'SENTINEL', 'MASTER', name)) as string[] | undefined;
          const fields = toRecord(info ?? []);
          if (fields['num-other-sentinels'] !== '2' || fields['num-slaves'] !== '1') return false;
        }
        return true;
      },
      TOPOLOGY_DEADLINE_MS,
      'sentinels to discover each other and the replica',
    );

    const masterPort = async (): Promise<number> => {
      for (const port of sentinelPorts) {
        const addr = (await tryAsk(port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as
          [string, string] | undefined;
        if (addr) return Number(addr[1]);
      }
      throw new Error('no sentinel answered GET-MASTER-ADDR-BY-NAME');
    };

    const waitForNewMaster = async (from: number): Promise<{ from: number; to: number }> => {
      const to = await waitFor(
        async () => {
          const seen = new Set<number>();
          for (const port of sentinelPorts) {
            const addr = (await tryAsk(port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as
              [string, string] | undefined;
            if (!addr) return undefined;
            seen.add(Number(addr[1]));
          }
          const [only] = [...seen];
          if (seen.size !== 1 || only === from) return undefined;
          return (await isWritableMaster(only!)) ? only : undefined;
        },
        TOPOLOGY_DEADLINE_MS,
        `sentinels to agree on a new writable master (old ${from})`,
      );
      return { from, to: to! };
    };

    return {
      name,
      sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`),
      servers,
      masterPort,
      async failover() {
        const from = await masterPort();
        // A replica that is not yet in sync makes the sentinel refuse ("NOGOODSLAVE"): retry.
        await waitFor(
          async () => (await tryAsk(sentinelPorts[0]!, 'SENTINEL', 'FAILOVER', name)) === 'OK',
          TOPOLOGY_DEADLINE_MS,
          'SENTINEL FAILOVER to be accepted',
        );
        return waitForNewMaster(from);
      },
      async killMaster() {
        const from = await masterPort();
        const server = servers.find((s) => s.port === from);
        if (!server) throw new Error(`master ${from} is not one of this group's servers`);
        await server.stop('SIGKILL');
        return waitForNewMaster(from);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function startSentinel(name: string, masterPort: number, downAfterMs: number): Promise<ManagedServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'flup-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  // Sentinel rewrites its config file, so each gets a private writable one.
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 2`,
      `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
      `sentinel failover-timeout ${name} 10000`,
      `sentinel parallel-syncs ${name} 1`,
    ].join('\n') + '\n',
  );
  const server = new ManagedServer(`redis-sentinel:${port}`, port, dir, () => [
    'redis-server',
    [conf, '--sentinel'],
  ]);
  await server.start();
  return server;
}

async function waitForReplicaLink(port: number): Promise<void> {
  await waitFor(
    async () => /master_link_status:up/.test(String((await tryAsk(port, 'INFO', 'replication')) ?? '')),
    TOPOLOGY_DEADLINE_MS,
    `replica ${port} to sync`,
  );
}

async function isWritableMaster(port: number): Promise<boolean> {
  const role = (await tryAsk(port, 'ROLE')) as unknown[] | undefined;
  if (role?.[0] !== 'master') return false;
  return (await tryAsk(port, 'SET', 'flup-topology-probe', '1', 'PX', 1000)) === 'OK';
}

function toRecord(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cluster

export interface ClusterNodeInfo {
  port: number;
  role: 'master' | 'replica';
  keys: number;
}

export interface RedisClusterTopology {
  /** host:port seed list for a client. */
  readonly nodes: string[];
  readonly servers: ManagedServer[];
  /** Port of the master that owns key's slot now. */
  masterFor(key: string): Promise<number>;
  /** The server of a replica of the master that owns key's slot. */
  replicaFor(key: string): Promise<ManagedServer>;
  /** SIGKILLs the master owning key's slot; waits until a replica owns it and the cluster is ok. */
  killMasterOf(key: string): Promise<{ from: number; to: number }>;
  /** DBSIZE of every live node with its role. */
  dbsizePerNode(): Promise<ClusterNodeInfo[]>;
  /** Starts the killed nodes again (same port and nodes.conf): each rejoins as a replica; waits for the sync. */
  restartKilled(): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startRedisCluster(
  options: { nodeTimeoutMs?: number } = {},
): Promise<RedisClusterTopology> {
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1000;
  const servers: ManagedServer[] = [];
  const stop = () => disposeAll(servers);
  try {
    for (let i = 0; i < 6; i++) {
      servers.push(
        await newNode([
          '--cluster-enabled',
          'yes',
          // Relative to --dir: each node has its own.
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          String(nodeTimeoutMs),
        ]),
      );
    }
    const addrs = servers.map((s) => `127.0.0.1:${s.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-replicas', '1', '--cluster-yes'], {
      timeout: TOPOLOGY_DEADLINE_MS,
    });
    const killed = new Set<number>();
    const alive = () => servers.filter((s) => !killed.has(s.port));
    await waitForClusterOk(alive().map((s) => s.port));
    // Replicas must have synced before a master can be killed without losing its keys.
    for (const node of await clusterNodes(servers[0]!.port)) {
      if (node.role === 'replica') await waitForReplicaLink(node.port);
    }

    const masterFor = async (key: string): Promise<number> => {
      const seed = alive()[0]!.port;
      const slot = Number(await ask(seed, 'CLUSTER', 'KEYSLOT', key));
      return slotOwner(seed, slot);
    };

    return {
      nodes: addrs,
      servers,
      masterFor,
      async killMasterOf(key) {
        const from = await masterFor(key);
        const server = servers.find((s) => s.port === from)!;
        const slot = Number(await ask(alive()[0]!.port, 'CLUSTER', 'KEYSLOT', key));
        killed.add(from);
        await server.stop('SIGKILL');
        const to = await waitFor(
          async () => {
            const survivors = alive().map((s) => s.port);
            const owners = await Promise.all(survivors.map((p) => slotOwner(p, slot).catch(() => 0)));
            if (!owners.every((o) => o !== from && o === owners[0] && o !== 0)) return undefined;
            return (await allClusterOk(survivors)) ? owners[0] : undefined;
          },
          TOPOLOGY_DEADLINE_MS,
          `a replica to take over slot ${slot} from ${from} and cluster_state:ok`,
        );
        return { from, to: to! };
      },
      async replicaFor(key) {
        const master = await masterFor(key);
        const nodes = await clusterNodes(alive()[0]!.port);
        const masterId = nodes.find((n) => n.port === master)?.id;
        const replica = nodes.find((n) => n.masterId === masterId);
        const server = alive().find((s) => s.port === replica?.port);
        if (!server) throw new Error(`no live replica of ${master}`);
        return server;
      },
      async dbsizePerNode() {
        const roles = await clusterNodes(alive()[0]!.port);
        return Promise.all(
          roles
            .filter((n) => alive().some((s) => s.port === n.port))
            .map(async (n) => ({ port: n.port, role: n.role, keys: Number(await ask(n.port, 'DBSIZE')) })),
        );
      },
      async restartKilled() {
        const ports = [...killed];
        for (const port of ports) {
          await servers.find((s) => s.port === port)!.start();
          killed.delete(port);
        }
        await waitFor(
          async () => {
            const nodes = await clusterNodes(alive()[0]!.port).catch(() => []);
            return ports.every((p) => nodes.some((n) => n.port === p && n.role === 'replica'));
          },
          TOPOLOGY_DEADLINE_MS,
          `restarted nodes ${ports.join(', ')} to rejoin as replicas`,
        );
        for (const port of ports) await waitForReplicaLink(port);
        return ports;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function allClusterOk(ports: number[]): Promise<boolean> {
  for (const port of ports) {
    const info = String((await tryAsk(port, 'CLUSTER', 'INFO')) ?? '');
    if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return false;
  }
  return true;
}

async function waitForClusterOk(ports: number[]): Promise<void> {
  await waitFor(() => allClusterOk(ports), TOPOLOGY_DEADLINE_MS, 'cluster_state:ok on every node');
}

async function slotOwner(port: number, slot: number): Promise<number> {
  const ranges = (await ask(port, 'CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
  const range = ranges.find(([lo, hi]) => slot >= lo && slot <= hi);
  if (!range) throw new Error(`slot ${slot} has no owner in CLUSTER SLOTS of ${port}`);
  return Number(range[2][1]);
}

interface ClusterNodeRole {
  id: string;
  port: number;
  role: 'master' | 'replica';
  /** For a replica: its master's node id. */
  masterId?: string;
}

/** Roles from CLUSTER NODES, skipping nodes the cluster considers failed. */
async function clusterNodes(port: number): Promise<ClusterNodeRole[]> {
  const text = String(await ask(port, 'CLUSTER', 'NODES'));
  return text
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .filter((f) => !f[2]!.includes('fail'))
    .map((f) => ({
      id: f[0]!,
      port: Number(f[1]!.split('@')[0]!.split(':')[1]),
      role: f[2]!.includes('master') ? ('master' as const) : ('replica' as const),
      ...(f[3] !== '-' ? { masterId: f[3] } : {}),
    }));
}
