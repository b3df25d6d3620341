/** Builds the bytes and headers of one delivery request (body per webhook, signatures, auth). */
import type { WebhookConfig } from '../config/index.js';
import type { DeliveryJobData } from '../queue/index.js';
import { setSignatureHeaders } from './signing.js';
import { type EventEnvelope } from '../queue/index.js';

export interface RequestBody {
  /** A string is sent and signed as UTF-8 as it is: no Buffer copy of the JSON per request. */
  content: string | Uint8Array;
  contentType: string;
}

/** `envelope`: the (enriched) event as JSON. `raw`: the payload bytes as received. */
export function buildBody(webhook: WebhookConfig, data: DeliveryJobData, event: EventEnvelope): RequestBody {
  if (webhook.body === 'envelope') {
    return { content: JSON.stringify(event), contentType: 'application/json' };
  }
  const contentType = event.dataEncoding === 'json' ? 'application/json' : 'application/octet-stream';
  if (data.raw !== undefined) return { content: Buffer.from(data.raw, 'base64'), contentType };
  // Ingest stores raw bytes only for raw webhooks; rebuild them from the envelope otherwise.
  const content =
    event.dataEncoding === 'json' ? JSON.stringify(event.data) : Buffer.from(String(event.data), 'base64');
  return { content, contentType };
}

/** Each webhook's static headers, lower-cased once rather than per request. */
const staticHeaders = new WeakMap<WebhookConfig, Record<string, string>>();

function staticHeadersOf(webhook: WebhookConfig): Record<string, string> {
  let headers = staticHeaders.get(webhook);
  if (!headers) {
    headers = {};
    for (const [name, value] of Object.entries(webhook.headers)) headers[name.toLowerCase()] = value;
    staticHeaders.set(webhook, headers);
  }
  return headers;
}

export function buildHeaders(
  webhook: WebhookConfig,
  options: {
    id: string;
    timestampSec: number;
    body: RequestBody;
    userAgent: string;
    authorization?: string;
    /** W3C trace context naming the attempt span: the receiver's trace joins it. */
    traceparent?: string;
  },
): Record<string, string> {
  // Static headers first, so configuration cannot override the signature or the content type.
  const headers: Record<string, string> = {
    ...staticHeadersOf(webhook),
    'content-type': options.body.contentType,
    'user-agent': options.userAgent,
  };
  setSignatureHeaders(headers, webhook.secrets, options.id, options.timestampSec, options.body.content);
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  if (options.traceparent !== undefined) headers.traceparent = options.traceparent;
  return headers;
}
