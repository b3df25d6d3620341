/**
 * 11. Redis Cluster (3 masters + 3 replicas), redis.minReplicas 1, three webhooks whose slots sit
 * on three different masters (`{wh.chaos}`, `{wh.crew}`, `{wh.pax}`), every message to each: the
 * master owning webhook `chaos` is SIGKILLed mid-stream and its replica promoted. Nothing may be
 * lost at any webhook and the bridge must not be restarted. The killed node is started again
 * afterwards (it rejoins as a replica), so minReplicas 1 can be met on that shard again.
 */
import { atMoments, PREFIX, WEBHOOK_ID, type ChaosEnv } from '../harness.js';
import type { Scenario } from '../scenario.js';
import { runStream } from '../stream.js';

/** Hashed to the two other masters of a fresh 3-master cluster (slots 1706 and 7348). */
const EXTRA_WEBHOOKS = ['crew', 'pax'];

/** DBSIZE lines of this run, for the report's scenario details (event notes are left out there). */
const dbsizeLines: string[] = [];

async function perNode(env: ChaosEnv, label: string): Promise<number> {
  const nodes = await env.cluster!.dbsizePerNode();
  const line = `DBSIZE per node ${label}: ${nodes.map((n) => `${n.port} ${n.role} ${n.keys}`).join(', ')}`;
  env.note(line);
  dbsizeLines.push(line);
  return nodes.filter((n) => n.role === 'master' && n.keys > 0).length;
}

function clusterChaos() {
  dbsizeLines.length = 0;
  return async (env: ChaosEnv, streamMs: number): Promise<void> => {
    const cluster = env.cluster!;
    const slotKey = `${PREFIX}:{wh.${WEBHOOK_ID}}:meta`;
    await atMoments([streamMs * 0.4], async () => {
      const mastersWithKeys = await perNode(env, 'before the kill');
      if (mastersWithKeys < 2) env.switchFindings.push(`keys on ${mastersWithKeys} master(s), not 2 or more`);
      const started = Date.now();
      env.note(`SIGKILL of the master of ${slotKey}: start`);
      const { from, to } = await cluster.killMasterOf(slotKey);
      env.note(`master ${from} → ${to} (${Date.now() - started} ms, cluster_state ok)`);
      const restarted = await cluster.restartKilled();
      env.note(`killed node ${restarted.join(', ')} restarted and synced as a replica`);
    });
  };
}

export const clusterFailover: Scenario = {
  id: '11-cluster-failover',
  title: 'Redis Cluster, minReplicas 1, 3 webhooks: SIGKILL of the master owning a webhook, mid-stream',
  estimateSeconds: 120,
  run: () =>
    runStream({
      id: '11-cluster-failover',
      title: clusterFailover.title,
      env: { redisTopology: 'cluster', redis: { minReplicas: 1 }, extraWebhooks: EXTRA_WEBHOOKS },
      valid: 5_000,
      rate: 250,
      chaos: clusterChaos(),
      after: async (env, result) => {
        const mastersWithKeys = await perNode(env, 'after the drain');
        if (mastersWithKeys < 2) result.failures.push(`keys on ${mastersWithKeys} master(s) after the drain`);
        const perWebhook = [...env.extraReceivers].map(
          ([id, receiver]) => `${id} ${[...receiver.acceptedBySeq.keys()].filter((s) => s !== 0).length}`,
        );
        result.notes.unshift(
          `delivered per webhook: ${WEBHOOK_ID} ${result.delivered}, ${perWebhook.join(', ')}`,
          ...dbsizeLines,
        );
      },
      drain: { maxMs: 240_000 },
      noRestarts: true,
      eventNotes: true,
    }),
};
