/**
 * The dispatch handler of one delivery request: keeps the status, the two headers delivery acts on
 * and the first maxBytes of the body, drains the rest (dropping the socket past drainLimit), and
 * aborts at the request's deadline. Used instead of undici's request(), whose per-request
 * AsyncResource, body stream and listeners showed in the burst profile; nothing here is a stream.
 */
import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import type { Deadline } from './deadlines.js';

export interface CollectedResponse {
  status: number;
  headers: { 'retry-after'?: string; location?: string };
  body: string;
  /** From the handler's creation (just before dispatch) to the end of the answer. */
  durationMs: number;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

export class ResponseCollector implements Dispatcher.DispatchHandler {
  #status = 0;
  #headers: CollectedResponse['headers'] = {};
  readonly #kept: Buffer[] = [];
  #keptBytes = 0;
  #seen = 0;
  #settled = false;
  readonly #started = performance.now();

  constructor(
    private readonly maxBytes: number,
    private readonly drainLimit: number,
    private readonly deadline: Deadline,
    private readonly resolve: (response: CollectedResponse) => void,
    private readonly reject: (err: Error) => void,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.deadline.onAbort((reason) => controller.abort(reason));
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    this.#status = statusCode;
    this.#headers = {
      'retry-after': headerValue(headers['retry-after']),
      location: headerValue(headers.location),
    };
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#seen += chunk.length;
    if (this.#keptBytes < this.maxBytes) {
      const part = chunk.subarray(0, this.maxBytes - this.#keptBytes);
      this.#kept.push(part);
      this.#keptBytes += part.length;
    }
    if (this.#seen > this.drainLimit) {
      // The answer so far is the answer; the socket goes rather than read on.
      this.#finish();
      controller.abort(new Error(`response body beyond ${this.drainLimit} bytes: connection dropped`));
    }
  }

  onResponseEnd(): void {
    this.#finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.reject(err);
  }

  #finish(): void {
    if (this.#settled) return;
    this.#settled = true;
    const body = this.#kept.length === 0 ? '' : Buffer.concat(this.#kept).toString('utf8');
    this.resolve({
      status: this.#status,
      headers: this.#headers,
      body,
      durationMs: performance.now() - this.#started,
    });
  }
}
