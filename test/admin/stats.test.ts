import { it } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryStats, Metrics, quantile } from '../../src/admin/index.js';

it('quantile interpolates inside the bucket like histogram_quantile', () => {
  assert.equal(quantile(0.95, []), null);
  assert.ok(
    Math.abs(
      quantile(0.5, [
        [0.1, 0],
        [0.2, 10],
        [Infinity, 10],
      ])! - 0.15,
    ) < 1e-9,
  );
  assert.equal(
    quantile(0.95, [
      [1, 0],
      [2, 0],
      [Infinity, 4],
    ]),
    2,
    '+Inf reports the highest finite bound',
  );
});

it('success rate and p95 cover the window, totals the whole run', async () => {
  let now = 1_000_000;
  const metrics = new Metrics({ defaultMetrics: false });
  const stats = new DeliveryStats(metrics, { now: () => now }, 60_000);
  for (let i = 0; i < 10; i++) {
    metrics.deliveries.inc({ webhook: 'w', outcome: 'retry' });
    metrics.deliverySeconds.observe({ webhook: 'w' }, 20);
  }
  await stats.sample();
  now += 61_000;
  await stats.sample();
  for (let i = 0; i < 4; i++) {
    metrics.deliveries.inc({ webhook: 'w', outcome: 'delivered' });
    metrics.deliverySeconds.observe({ webhook: 'w' }, 0.03);
  }
  now += 1000;
  const w = (await stats.perWebhook()).get('w')!;
  assert.equal(w.attempts, 14);
  assert.equal(w.delivered, 4);
  assert.equal(w.windowAttempts, 4, 'the old failures fell out of the window');
  assert.equal(w.successRate, 1);
  assert.ok(w.p95Seconds! > 0.025 && w.p95Seconds! <= 0.05, String(w.p95Seconds));
  assert.equal(w.windowSeconds, 1);
});
