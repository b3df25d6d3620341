/**
 * Systems 1 and 2 run as their own Node processes from the transpiled bench/.cache/js copy (plain
 * node, no TypeScript loader in the measured process).
 */
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTracked, stopProcess } from '../lib/procs.js';
import type { RunningSystem, StartContext, SystemSpec } from './types.js';

function childSystem(id: string, label: string, script: string, usesRedis: boolean): SystemSpec {
  return {
    id,
    label,
    usesRedis,
    async start(ctx: StartContext): Promise<RunningSystem> {
      const clientId = `bench-${id}-${ctx.cell}`;
      const options = {
        mqttUrl: ctx.mqttUrl,
        redisUrl: ctx.redisUrl,
        prefix: `bench-${ctx.cell}`,
        clientId,
        topic: ctx.topic,
        targets: ctx.targets,
        connections: 32,
      };
      const log = openSync(join(ctx.workDir, `${id}.log`), 'a');
      const nodeArgs = ctx.profileDir ? ['--cpu-prof', '--cpu-prof-dir', ctx.profileDir] : [];
      const child = spawnTracked(
        id,
        process.execPath,
        [...nodeArgs, join(ctx.jsDir, 'systems', script), JSON.stringify(options)],
        {
          stdio: ['ignore', log, log],
        },
      );
      closeSync(log);
      return { pids: [child.pid!], clientIds: [clientId], stop: () => stopProcess(child) };
    },
  };
}

export const direct = childSystem('direct', 'direct mqtt.js → undici (no queue)', 'direct.js', false);
export const naiveBullmq = childSystem(
  'naive',
  'naive BullMQ (await add per message)',
  'naive-bullmq.js',
  true,
);
