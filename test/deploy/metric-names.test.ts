/**
 * The Grafana dashboard and the Prometheus alerts use only metric names the bridge exports: every
 * flup_* name in deploy/grafana/flup-bridge.json and deploy/prometheus/*.yaml is compared with
 * what the admin server's /metrics serves (histograms also as _bucket, _sum and _count).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdminServer } from '../../src/admin/index.js';
import type { AppDeps } from '../../src/app.js';
import { adminConfig, testDeps } from '../admin/stubs.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
type Panel = { title: string; type: string; targets?: Array<{ expr: string }>; panels?: Panel[] };

/** flup_* names in PromQL text (label values such as "flup-bridge" have a dash, not a name). */
function metricNames(text: string): Set<string> {
  return new Set([...text.matchAll(/\bflup_[a-z0-9_]+\b/g)].map((m) => m[0]));
}

/** Names /metrics answers to: each `# TYPE`, and a histogram's series names. */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram' || type === 'summary')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(name! + suffix);
  }
  return names;
}

describe('dashboard and alerts use exported metric names', () => {
  let deps: AppDeps;
  let server: AdminServer;
  let exported: Set<string>;

  before(async () => {
    deps = testDeps(adminConfig());
    server = new AdminServer({ deps, sources: {} });
    await server.start();
    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    exported = exportedNames(await res.text());
    assert.ok(exported.has('flup_deliveries_total'), 'the bridge metrics are served');
  });
  after(async () => {
    await server.stop();
    deps.redis.disconnect();
  });

  it('the Grafana dashboard', () => {
    const dashboard = JSON.parse(read('deploy/grafana/flup-bridge.json')) as {
      uid: string;
      panels: Panel[];
      templating: { list: unknown[] };
    };
    const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    assert.ok(exprs.length >= 10, `found ${exprs.length} queries`);
    const used = metricNames(JSON.stringify(dashboard));
    for (const name of used)
      assert.ok(exported.has(name), `dashboard uses ${name}, /metrics has no such metric`);
    // The views the brief asks for.
    for (const needed of [
      /flup_deliveries_total\{[^}]*outcome="delivered"/,
      /flup_deliveries_total\{[^}]*outcome=~"[^"]*dead/,
      /histogram_quantile\(0\.95,.*flup_delivery_seconds_bucket/,
      /flup_jobs\{[^}]*state=~"[^"]*paused/,
      /flup_dead_letters_total/,
      /flup_breaker_open/,
      /flup_leader/,
      /flup_mqtt_connected/,
      /flup_ingest_paused/,
    ])
      assert.ok(
        exprs.some((e) => needed.test(e)),
        `a panel with ${needed}`,
      );
  });

  it('the Prometheus alerts and their unit tests', () => {
    for (const file of ['deploy/prometheus/alerts.yaml', 'deploy/prometheus/alerts.test.yaml']) {
      const used = metricNames(read(file));
      assert.ok(used.size >= 10, `${file}: found ${used.size} names`);
      for (const name of used)
        assert.ok(exported.has(name), `${file} uses ${name}, /metrics has no such metric`);
    }
  });

  it('the name check can fail', () => {
    assert.ok(!exported.has('flup_deliveries'), 'a near miss is not exported');
    assert.deepEqual([...metricNames('rate(flup_nope_total[5m]) / up')], ['flup_nope_total']);
  });
});
