/**
 * The dashboard's views in headless Chromium against the real bridge (role worker) and Redis:
 * "Forget token" only with a token, the hour charts from the per-minute buckets in Redis (the same
 * for another replica), a dead letter's payload shown as text (a <script>/<img onerror> payload
 * runs nothing), the paused column and backlog, the flight search, no horizontal overflow at
 * 420 px, no 404 (favicon). Saves a screenshot to the temp folder, or to docs/dashboard.png with
 * FLUP_UPDATE_SCREENSHOT=1 (so a test run leaves the checkout clean).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { App } from '../../src/app.js';
import { AdminServer } from '../../src/admin/index.js';
import { DeliveryHistory } from '../../src/admin/history.js';
import { loadConfig } from '../../src/config/index.js';
import { Metrics, systemClock } from '../../src/core/index.js';
import { WebhookReceiver } from '../../src/sim/receiver.js';
import { captureLogger } from '../helpers/logger.js';
import { chromiumSkip, launchChromium } from '../helpers/chromium.js';
import { SHARED_REDIS_URL, uniquePrefix, waitFor } from '../helpers/servers.js';
import { jobOptionsFor, type JobEntry, openWebhookQueue, QueueJobWriter } from '../../src/queue/index.js';
import { TimelineStore } from '../../src/timeline/index.js';

const TOKEN = `dash-${randomBytes(12).toString('hex')}`;
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const HOSTILE = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">';

function job(webhookId: string, message = 'Cancelled'): JobEntry {
  const id = `msg_${randomUUID()}`;
  return {
    webhookId,
    jobId: id,
    data: {
      event: {
        id,
        type: 'flight.cancelled',
        topic: 'prd/FlightUpdate/LH/LH400/2026-11-23',
        receivedAt: new Date().toISOString(),
        flight: { carrier: 'LH', flightNumber: '400', date: '2026-11-23' },
        code: 'ASM CNL',
        data: { Update: { Code: 'ASM CNL', Message: message } },
        dataEncoding: 'json',
      },
    },
  };
}

async function noHorizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    // Runs in the page; the test's TypeScript has no DOM types.
    type Doc = {
      documentElement: { clientWidth: number; scrollWidth: number };
      querySelectorAll(selector: string): ArrayLike<unknown>;
    };
    const document = (globalThis as unknown as { document: Doc }).document;
    const wide: string[] = [];
    const limit = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > limit)
      wide.push(`page ${document.documentElement.scrollWidth}`);
    type Box = { tagName: string; id: string; scrollWidth: number; clientWidth: number };
    for (const found of Array.from(document.querySelectorAll('table, section, pre, svg'))) {
      const node = found as Box & { getBoundingClientRect(): { right: number } };
      const box = node.getBoundingClientRect();
      if (box.right > limit + 0.5) wide.push(`${node.tagName} ${node.id} right ${box.right}`);
      if (node.tagName === 'TABLE' && node.scrollWidth > node.clientWidth)
        wide.push(`table scroll ${node.scrollWidth}`);
    }
    return wide;
  });
}

describe(
  'dashboard views in Chromium',
  {
    skip: chromiumSkip,
  },
  () => {
    const prefix = uniquePrefix('dashv');
    const receiver = new WebhookReceiver({ secrets: [SECRET] });
    let app: App;
    let writer: QueueJobWriter;
    let browser: Browser;
    let redis: Redis;

    before(async () => {
      await receiver.start();
      redis = new Redis(SHARED_REDIS_URL);
      const config = loadConfig({
        env: {},
        overrides: {
          role: 'worker',
          'source.kind': 'mqtt',
          'redis.url': SHARED_REDIS_URL,
          'redis.prefix': prefix,
          'admin.listen': '127.0.0.1:0',
          'admin.token': TOKEN,
          'delivery.shutdownTimeout': 2000,
          webhooks: [
            { id: 'crew-app', url: `${receiver.url}/crew`, secret: SECRET, retry: { attempts: 1 } },
            {
              id: 'ops-desk-with-a-rather-long-name',
              url: `${receiver.url}/ops/with/a/long/path/for/narrow/screens`,
              secret: SECRET,
              retry: { attempts: 1 },
            },
          ],
        },
      });
      app = new App(config, { logger: captureLogger({ level: 'warn' }).logger });
      await app.start();
      writer = new QueueJobWriter({
        config,
        redis: app.deps.redis,
        logger: app.deps.logger,
        jobOptions: (webhook) => jobOptionsFor(webhook, config),
      });
      browser = await launchChromium();
    });

    after(async () => {
      await browser?.close();
      await writer?.close();
      await app?.stop();
      await receiver.stop();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    });

    it('shows charts, a dead letter as text, the paused backlog, and fits 420 px', async () => {
      const admin = app.parts.find((p): p is AdminServer => p instanceof AdminServer);
      assert.ok(admin?.url);
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const notFound: string[] = [];
      page.on('response', (r) => {
        // The dead letter below was queued directly, not ingested: it has no timeline entry (404).
        if (r.status() === 404 && !/\/api\/messages\//.test(r.url())) notFound.push(r.url());
      });
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      try {
        await page.goto(admin.url);
        await page.locator('#token').waitFor();
        assert.equal(await page.locator('#signout').isVisible(), false, 'no Forget token without a token');
        await page.locator('#token').fill(TOKEN);
        await page.locator('#login-form button[type=submit]').click();
        const crew = page.locator('tr[data-webhook="crew-app"]');
        await crew.waitFor();
        assert.equal(await page.locator('#signout').isVisible(), true, 'Forget token once there is one');

        // Deliveries: the hour chart of crew-app counts them (from Redis, flushed every 10 s).
        await writer.addBulk([job('crew-app'), job('crew-app'), job('crew-app')]);
        await waitFor(() => receiver.uniqueIds === 3, 15_000, 'three deliveries');
        const card = page.locator('[data-history="crew-app"]');
        await card.locator('.total-delivered', { hasText: /^3$/ }).waitFor({ timeout: 60_000 });
        assert.ok((await card.locator('svg[data-chart="delivered"] rect').count()) >= 1);
        assert.equal(await card.locator('svg[data-chart="p95Seconds"]').count(), 1);
        // Another replica (its own counters, same Redis) reads the same hour.
        const replica = new DeliveryHistory({
          redis,
          prefix,
          metrics: new Metrics({ defaultMetrics: false }),
          clock: systemClock,
        });
        const hour = (await replica.lastHour(['crew-app']))['crew-app']!;
        assert.equal(hour.length, 60);
        assert.equal(
          hour.reduce((sum, p) => sum + p.delivered, 0),
          3,
        );
        assert.ok(hour.some((p) => p.p95Seconds !== null && p.p95Seconds > 0));
        const minuteKeys = await redis.keys(`${prefix}:history:crew-app:*`);
        assert.ok(minuteKeys.length >= 1 && minuteKeys.length <= 2);
        for (const key of minuteKeys) {
          const ttl = await redis.pttl(key);
          assert.ok(ttl > 0 && ttl <= 70 * 60_000, `bounded by a TTL (${ttl})`);
        }

        // A refused delivery whose payload is hostile markup: its message opens as text.
        receiver.setResponse(400);
        const hostile = job('crew-app', HOSTILE);
        await writer.addBulk([hostile]);
        const letter = page.locator(`tr[data-deadletter="${hostile.jobId}"]`);
        await letter.waitFor({ timeout: 20_000 });
        await letter.locator('button[data-view]').click();
        const payload = page.locator('#detail pre.payload');
        await payload.waitFor();
        const text = (await payload.textContent()) ?? '';
        assert.ok(text.includes('<script>window.__xss=1</script>'), text);
        assert.ok(text.includes('<img src=x onerror='), text);
        assert.equal(await page.locator('#detail img, #detail script').count(), 0);
        assert.equal(await page.evaluate(() => (globalThis as { __xss?: number }).__xss), undefined);
        assert.match((await page.locator('#detail').textContent()) ?? '', /refused/);

        // Paused: the backlog shows in the paused column and in the backlog.
        receiver.setResponse(200);
        await crew.locator('button[data-action="pause"]').click();
        await crew.locator('button[data-action="resume"]').waitFor({ timeout: 10_000 });
        const queue = openWebhookQueue(redis, prefix, 'crew-app');
        for (const entry of [job('crew-app', 'Delayed'), job('crew-app', 'Gate change')]) {
          await queue.add('deliver', entry.data, { jobId: entry.jobId });
        }
        await queue.close();
        await crew.locator('td.paused', { hasText: /^2$/ }).waitFor({ timeout: 10_000 });
        assert.equal((await crew.locator('td.backlog').textContent())?.trim(), '2');
        assert.equal((await crew.locator('td.waiting').textContent())?.trim(), '0');

        // Flight search: today's LH400 as the timeline keeps it (a 500, then a 200) is drawn.
        const today = new Date().toISOString().slice(0, 10);
        const timeline = new TimelineStore({ redis, prefix, clock: systemClock });
        const flight = { carrier: 'LH', flightNumber: '400', date: today };
        const messageId = `msg_${randomUUID()}`;
        const at = Date.now();
        await timeline.recordNotification({
          id: messageId,
          at,
          eventType: 'flight.gate-changed',
          topic: `prd/FlightUpdate/LH/LH400/${today}`,
          code: 'Y',
          flight,
        });
        for (const [attempt, status, outcome] of [
          [1, 500, 'retrying'],
          [2, 200, 'delivered'],
        ] as const) {
          await timeline.recordAttempt({
            messageId,
            flight,
            webhookId: 'crew-app',
            attempt,
            at: at + attempt,
            status,
            durationMs: 12,
            outcome,
          });
        }
        const asked = page.waitForRequest((r) => r.url().endsWith(`/api/flights/LH400/${today}`));
        await page.locator('#search').fill('lh400');
        await page.locator('#search-form button').click();
        await asked;
        const drawn = page.locator(`li[data-message="${messageId}"]`);
        await drawn.waitFor();
        const drawnText = (await drawn.textContent()) ?? '';
        assert.match(drawnText, /flight\.gate-changed/);
        assert.match(drawnText, /crew-app: delivered/);
        assert.match(drawnText, /#1\s+HTTP 500/);
        assert.match(drawnText, /#2\s+HTTP 200/);
        const byId = page.waitForRequest((r) => r.url().endsWith(`/api/messages/${hostile.jobId}`));
        await page.locator('#search').fill(hostile.jobId);
        await page.locator('#search-form button').click();
        await byId;

        // Screenshot at desktop width, with the dead letter open.
        await letter.locator('button[data-view]').click();
        await payload.waitFor();
        const shot = process.env.FLUP_UPDATE_SCREENSHOT
          ? 'docs/dashboard.png'
          : join(mkdtempSync(join(tmpdir(), 'flup-dashboard-')), 'dashboard.png');
        await page.screenshot({ path: shot, fullPage: true });

        // 420 px: nothing wider than the screen.
        await page.setViewportSize({ width: 420, height: 900 });
        // Two animation frames: the resize has been laid out before widths are measured.
        await page.evaluate(
          'new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))',
        );
        assert.deepEqual(await noHorizontalOverflow(page), []);

        const icon = await page.request.get(`${admin.url}/favicon.ico`);
        assert.equal(icon.status(), 200);
        assert.deepEqual(notFound, []);
        assert.deepEqual(pageErrors, []);
      } finally {
        await page.close();
      }
    });
  },
);
