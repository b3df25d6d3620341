/**
 * deploy/prometheus/alerts.yaml is valid for Prometheus (`promtool check rules`), its unit tests
 * pass (`promtool test rules`), and every alert has a unit test that expects it to fire.
 * promtool comes from Debian's `prometheus` package (.ci/run installs it).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const DIR = fileURLToPath(new URL('../../deploy/prometheus', import.meta.url));
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function promtool(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('promtool', args, { cwd: DIR }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT')
        assert.fail('promtool not found: apt-get install prometheus (Debian ships promtool with it)');
      resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

const rules = parse(readFileSync(join(DIR, 'alerts.yaml'), 'utf8')) as Doc;
const unitTests = parse(readFileSync(join(DIR, 'alerts.test.yaml'), 'utf8')) as Doc;
const alerts: string[] = (rules.groups as Doc[]).flatMap((g) =>
  (g.rules as Doc[]).filter((r) => r.alert).map((r) => r.alert as string),
);

describe('Prometheus alerting rules', () => {
  it('pass promtool check rules', async () => {
    const { code, out } = await promtool(['check', 'rules', 'alerts.yaml']);
    assert.equal(code, 0, out);
    assert.match(out, new RegExp(`SUCCESS: ${alerts.length} rules found`));
  });

  it('pass their promtool unit tests', async () => {
    const { code, out } = await promtool(['test', 'rules', 'alerts.test.yaml']);
    assert.equal(code, 0, out);
    assert.match(out, /SUCCESS/);
  });

  it('have a unit test that makes every alert fire', () => {
    assert.deepEqual(unitTests.rule_files, ['alerts.yaml']);
    const fired = new Set<string>();
    for (const t of unitTests.tests as Doc[])
      for (const check of (t.alert_rule_test ?? []) as Doc[])
        if ((check.exp_alerts as Doc[]).length > 0) fired.add(check.alertname as string);
    assert.ok(alerts.length >= 10, `found ${alerts.length} alerts`);
    for (const alert of alerts) assert.ok(fired.has(alert), `${alert} has a unit test where it fires`);
  });

  it('cover backlog in paused queues, dead letters, breaker, ingest, Redis and enrichment', () => {
    const exprs = (rules.groups as Doc[]).flatMap((g) => (g.rules as Doc[]).map((r) => String(r.expr)));
    const has = (re: RegExp) =>
      assert.ok(
        exprs.some((e) => re.test(e)),
        `an alert on ${re}`,
      );
    has(/flup_jobs\{state=~"[^"]*\bpaused\b[^"]*"\}/);
    has(/flup_dead_letters_total/);
    has(/flup_breaker_open/);
    has(/flup_leader/);
    has(/flup_mqtt_connected/);
    has(/flup_ingest_paused/);
    has(/flup_ingest_redis_errors_total/);
    has(/flup_enrichment_calls_total/);
  });
});
