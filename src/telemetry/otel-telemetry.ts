/**
 * The Telemetry facade on the OpenTelemetry SDK: spans exported in batches over OTLP/HTTP (JSON).
 * Parents are passed explicitly (ROOT_CONTEXT + span context): no global provider, context
 * manager or propagator is registered, so nothing else in the process changes behaviour.
 */
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Tracer,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { SamplerName, TelemetrySettings } from './settings.js';
import { formatTraceparent, parseTraceparent } from './traceparent.js';
import type {
  AttemptSpan,
  AttemptSpanAttributes,
  MessageSpanAttributes,
  SpanOutcome,
  Telemetry,
  TelemetrySpan,
  TraceCarrier,
} from './telemetry.js';

export const SPAN_NAMES = { ingest: 'flight-update receive', attempt: 'webhook deliver' } as const;

export const ATTRIBUTES = {
  webhookId: 'flup.webhook.id',
  flight: 'flup.flight',
  eventType: 'flup.event.type',
  messageId: 'flup.message.id',
  attempt: 'flup.delivery.attempt',
  outcome: 'flup.outcome',
  httpStatus: ATTR_HTTP_RESPONSE_STATUS_CODE,
} as const;

export interface OtelTelemetryOptions {
  /** How an error reads in a span status; default its name only, as messages may hold secrets. */
  describeError?: (error: unknown) => string;
}

export class OtelTelemetry implements Telemetry {
  readonly enabled = true;
  readonly #provider: BasicTracerProvider;
  readonly #tracer: Tracer;
  readonly #describeError: (error: unknown) => string;

  constructor(settings: TelemetrySettings, options: OtelTelemetryOptions = {}) {
    this.#provider = new BasicTracerProvider({
      resource: defaultResource().merge(
        resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }),
      ),
      sampler: samplerFor(settings.sampler, settings.samplerRatio),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.tracesUrl }))],
    });
    this.#tracer = this.#provider.getTracer('flup-bridge');
    this.#describeError = options.describeError ?? ((e) => (e instanceof Error ? e.name : 'error'));
  }

  startIngestSpan(attributes: MessageSpanAttributes): TelemetrySpan {
    return this.#tracer.startSpan(
      SPAN_NAMES.ingest,
      { kind: SpanKind.CONSUMER, root: true, attributes: messageAttributes(attributes) },
      ROOT_CONTEXT,
    );
  }

  startChildSpan(
    parent: TelemetrySpan | undefined,
    name: string,
    attributes?: MessageSpanAttributes,
  ): TelemetrySpan | undefined {
    if (!parent) return undefined;
    return this.#tracer.startSpan(
      name,
      { kind: SpanKind.INTERNAL, attributes: attributes && messageAttributes(attributes) },
      trace.setSpan(ROOT_CONTEXT, parent),
    );
  }

  contextToCarrier(span: TelemetrySpan | undefined): TraceCarrier | undefined {
    return span && { traceparent: formatTraceparent(span.spanContext()) };
  }

  startAttemptSpan(carrier: TraceCarrier | undefined, attributes: AttemptSpanAttributes): AttemptSpan {
    const parent = parseTraceparent(carrier?.traceparent);
    const span = this.#tracer.startSpan(
      SPAN_NAMES.attempt,
      {
        kind: SpanKind.CLIENT,
        root: !parent,
        attributes: {
          ...messageAttributes(attributes),
          [ATTRIBUTES.webhookId]: attributes.webhookId,
          [ATTRIBUTES.attempt]: attributes.attempt,
        },
      },
      parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT,
    );
    return { span, traceparent: formatTraceparent(span.spanContext()) };
  }

  endSpan(span: TelemetrySpan | undefined, outcome?: SpanOutcome): void {
    if (!span) return;
    if (outcome) {
      span.setAttribute(ATTRIBUTES.outcome, outcome.outcome);
      if (outcome.attributes) span.setAttributes(messageAttributes(outcome.attributes));
      if (outcome.httpStatus !== undefined) span.setAttribute(ATTRIBUTES.httpStatus, outcome.httpStatus);
      if (outcome.failed || outcome.error !== undefined) {
        const message = outcome.error === undefined ? outcome.outcome : this.#describeError(outcome.error);
        span.setStatus({ code: SpanStatusCode.ERROR, message });
      }
    }
    span.end();
  }

  async shutdown(): Promise<void> {
    await this.#provider.shutdown();
  }
}

function messageAttributes(attributes: MessageSpanAttributes): Attributes {
  const result: Attributes = {};
  if (attributes.flight !== undefined) result[ATTRIBUTES.flight] = attributes.flight;
  if (attributes.eventType !== undefined) result[ATTRIBUTES.eventType] = attributes.eventType;
  if (attributes.messageId !== undefined) result[ATTRIBUTES.messageId] = attributes.messageId;
  return result;
}

function samplerFor(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}
