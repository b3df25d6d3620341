/**
 * The dashboard in headless Chromium against the real bridge (role worker: admin server, auth,
 * delivery) and a signature-verifying receiver: enter the token, see a delivery counted, see a
 * refused delivery as a dead letter, click Replay and see it delivered.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Browser } from 'playwright-core';
import { App } from '../../src/app.js';
import { AdminServer } from '../../src/admin/index.js';
import { loadConfig } from '../../src/config/index.js';
import { WebhookReceiver } from '../../src/sim/receiver.js';
import { captureLogger } from '../helpers/logger.js';
import { chromiumSkip, launchChromium } from '../helpers/chromium.js';
import { SHARED_REDIS_URL, uniquePrefix, waitFor } from '../helpers/servers.js';
import { jobOptionsFor, type JobEntry, QueueJobWriter } from '../../src/queue/index.js';

const TOKEN = `dash-${randomBytes(12).toString('hex')}`;
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;

function job(webhookId: string): JobEntry {
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
        data: { Update: { Code: 'ASM CNL', Message: 'Cancelled' } },
        dataEncoding: 'json',
      },
    },
  };
}

describe(
  'dashboard in Chromium',
  {
    skip: chromiumSkip,
  },
  () => {
    const prefix = uniquePrefix('dash');
    const receiver = new WebhookReceiver({ secrets: [SECRET] });
    let app: App;
    let writer: QueueJobWriter;
    let browser: Browser;

    before(async () => {
      await receiver.start();
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
          webhooks: [{ id: 'hooks', url: `${receiver.url}/hook`, secret: SECRET, retry: { attempts: 1 } }],
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
      const redis = new Redis(SHARED_REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    });

    it('counts a delivery and replays a dead letter', async () => {
      const admin = app.parts.find((p): p is AdminServer => p instanceof AdminServer);
      assert.ok(admin?.url, 'the bridge runs an admin server');
      const page = await browser.newPage();
      try {
        await page.goto(admin.url);
        await page.locator('#token').fill(TOKEN);
        await page.locator('#login-form button[type=submit]').click();
        const row = page.locator('tr[data-webhook="hooks"]');
        await row.waitFor();
        const delivered = row.locator('td.delivered');
        assert.equal((await delivered.textContent())?.trim(), '0');

        // A delivery: counted on the dashboard.
        await writer.addBulk([job('hooks')]);
        await waitFor(() => receiver.uniqueIds === 1, 15_000, 'the first delivery');
        await delivered.filter({ hasText: /^1$/ }).waitFor({ timeout: 10_000 });

        // A refused delivery (400, no retry): a dead letter with a Replay button.
        receiver.setResponse(400);
        const refused = job('hooks');
        await writer.addBulk([refused]);
        const letter = page.locator(`tr[data-deadletter="${refused.jobId}"]`);
        await letter.waitFor({ timeout: 15_000 });
        assert.match((await letter.textContent()) ?? '', /refused/);

        // Replay with the receiver accepting again: delivered, and gone from the dead letters.
        receiver.setResponse(200);
        await letter.locator('button[data-replay]').click();
        await page.locator('#notice', { hasText: 'Replayed 1 dead letter' }).waitFor({ timeout: 10_000 });
        await waitFor(() => receiver.acceptedIds.has(refused.data.event.id), 15_000, 'the replayed delivery');
        await letter.waitFor({ state: 'detached', timeout: 10_000 });
        await delivered.filter({ hasText: /^2$/ }).waitFor({ timeout: 10_000 });
        assert.equal(receiver.duplicates, 0);
      } finally {
        await page.close();
      }
    });
  },
);
