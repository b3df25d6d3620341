/**
 * What some flup-bridge variants need besides the bench's Redis and broker, started once per run
 * and only when a selected system needs it: a second Redis master with one replica
 * (redis: replicated), the discarding OTLP sink (tracing) and the simulated Lufthansa API
 * (lufthansa). Also the checks that a variant did what it is named for.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { LufthansaApiSim } from '../../src/sim/lufthansa-api.js';
import type { TraceSinkStats } from '../trace-sink.js';
import type { LufthansaApi, SystemSpec } from '../systems/types.js';
import type { CellResult } from './cell.js';
import { startRedis, startRedisReplica, type Server } from './infra.js';
import { forkTracked, stopProcess } from './procs.js';
import { call } from './rpc.js';

export interface VariantInfra {
  replicated?: { url: string; pid: number };
  traceSinkUrl?: string;
  lufthansa?: LufthansaApi;
  /** Lines for the log: what was started. */
  describe: string[];
  /** Before a cell: clears the sink's counters. */
  beforeCell(system: SystemSpec): Promise<void>;
  /** After a cell (its system stopped, so spans are flushed): records and checks what it did. */
  afterCell(system: SystemSpec, result: CellResult): Promise<void>;
  stop(): Promise<void>;
}

const APP = { key: 'bench-key', secret: 'bench-secret' };

export async function startVariantInfra(specs: SystemSpec[], jsDir: string): Promise<VariantInfra> {
  const servers: Server[] = [];
  let sink: ChildProcess | undefined;
  let api: LufthansaApiSim | undefined;
  const describe: string[] = [];
  const infra: VariantInfra = {
    describe,
    async beforeCell(system) {
      if (system.tracing && sink) await call(sink, 'stats', { reset: true });
    },
    async afterCell(system, result) {
      if (result.error) return;
      if (system.tracing && sink) {
        const stats = await call<TraceSinkStats>(sink, 'stats', { reset: true });
        result.traceExport = { requests: stats.requests, bytes: stats.bytes };
        if (stats.requests === 0) result.error = 'tracing on, but no spans reached the OTLP sink';
      }
      if (system.signsV1a && !result.signedV1a) result.error = 'no request carried a v1a signature';
    },
    async stop() {
      if (sink) {
        await call(sink, 'stop', {}, 3000).catch(() => undefined);
        await stopProcess(sink, 2000);
      }
      await api?.stop();
      for (const server of servers.reverse()) await server.stop();
    },
  };
  try {
    if (specs.some((s) => s.redis === 'replicated')) {
      const master = await startRedis();
      servers.push(master);
      const replica = await startRedisReplica(master);
      servers.push(replica);
      infra.replicated = { url: master.url, pid: master.pid };
      describe.push(`redis ${master.url} with replica ${replica.url} (for minReplicas variants)`);
    }
    if (specs.some((s) => s.tracing)) {
      sink = forkTracked('trace-sink', join(jsDir, 'trace-sink.js'), [], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const { port } = await call<{ port: number }>(sink, 'listen');
      infra.traceSinkUrl = `http://127.0.0.1:${port}`;
      describe.push(`OTLP/HTTP sink ${infra.traceSinkUrl} (discards)`);
    }
    if (specs.some((s) => s.lufthansa)) {
      const sim = new LufthansaApiSim({ apps: [APP] });
      await sim.start();
      api = sim;
      sim.brokerEndpoint = '127.0.0.1';
      infra.lufthansa = {
        url: sim.url,
        clientKey: APP.key,
        clientSecret: APP.secret,
        issuedClientIds: () => sim.issuedClientIds,
      };
      describe.push(`simulated Lufthansa API ${sim.url} (token and Certificate Manager)`);
    }
  } catch (err) {
    await infra.stop();
    throw err;
  }
  return infra;
}
