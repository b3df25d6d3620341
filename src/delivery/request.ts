/** Builds the bytes and headers of one delivery request (body per webhook, signatures, auth). */
import type { WebhookConfig } from '../config/index.js';
import type { EventEnvelope } from '../events/envelope.js';
import type { DeliveryJobData } from './job.js';
import { signatureHeaders } from './signing.js';

export interface RequestBody {
  bytes: Uint8Array;
  contentType: string;
}

/** `envelope`: the (enriched) event as JSON. `raw`: the payload bytes as received. */
export function buildBody(webhook: WebhookConfig, data: DeliveryJobData, event: EventEnvelope): RequestBody {
  if (webhook.body === 'envelope') {
    return { bytes: Buffer.from(JSON.stringify(event)), contentType: 'application/json' };
  }
  const contentType = event.dataEncoding === 'json' ? 'application/json' : 'application/octet-stream';
  if (data.raw !== undefined) return { bytes: Buffer.from(data.raw, 'base64'), contentType };
  // Ingest stores raw bytes only for raw webhooks; rebuild them from the envelope otherwise.
  const bytes =
    event.dataEncoding === 'json'
      ? Buffer.from(JSON.stringify(event.data))
      : Buffer.from(String(event.data), 'base64');
  return { bytes, contentType };
}

export function buildHeaders(
  webhook: WebhookConfig,
  options: { id: string; timestampSec: number; body: RequestBody; userAgent: string; authorization?: string },
): Record<string, string> {
  // Static headers first, so configuration cannot override the signature or the content type.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(webhook.headers)) headers[name.toLowerCase()] = value;
  Object.assign(headers, {
    'content-type': options.body.contentType,
    'user-agent': options.userAgent,
    ...signatureHeaders(webhook.secrets, options.id, options.timestampSec, options.body.bytes),
  });
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  return headers;
}
