/**
 * The OpenAPI 3.1 document of the admin API, served at GET /api/openapi.json (behind the admin
 * token like the rest). README's admin API table is checked against it (test/admin/openapi.test.ts).
 */
type Schema = Record<string, unknown>;

const json = (schema: Schema, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => json(ref('Error'), description);
const body = (schema: Schema) => ({ required: true, content: { 'application/json': { schema } } });
const pathParam = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description,
});
const flightParams = [
  pathParam('flight', 'Flight number, e.g. LH400'),
  pathParam('date', 'Flight date YYYY-MM-DD (UTC)'),
];
const object: Schema = { type: 'object' };
const errors = { '400': error('Bad input; `error` names the field') };
const unsupported = { '415': error('The body was not sent as application/json') };

const subscriptionRule: Schema = {
  type: 'object',
  required: ['webhookId'],
  additionalProperties: false,
  properties: {
    webhookId: { type: 'string' },
    flight: { type: 'string', example: 'LH400' },
    date: { type: 'string', format: 'date' },
    carrier: { type: 'string', example: 'LX' },
    departureAirport: { type: 'string' },
    arrivalAirport: { type: 'string' },
    events: { type: 'array', items: { type: 'string' }, example: ['flight.*'] },
    expiresAt: { type: 'string', format: 'date-time' },
  },
};

export const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'flup-bridge admin API', version: '1' },
  servers: [{ url: '/api' }],
  security: [{ bearer: [] }],
  paths: {
    '/status': {
      get: {
        summary: 'Role, readiness, ingest, credential and token status',
        responses: { '200': json(object) },
      },
    },
    '/webhooks': {
      get: {
        summary: 'Webhooks with state, queue depths and delivery stats',
        responses: { '200': json({ type: 'array', items: object }) },
      },
    },
    '/webhooks/{id}/pause': {
      post: {
        summary: 'Pause a webhook',
        parameters: [pathParam('id', 'Webhook id')],
        responses: { '200': json(object), '404': error('No such webhook') },
      },
    },
    '/webhooks/{id}/resume': {
      post: {
        summary: 'Resume a paused webhook',
        parameters: [pathParam('id', 'Webhook id')],
        responses: { '200': json(object), '404': error('No such webhook') },
      },
    },
    '/webhooks/{id}/enable': {
      post: {
        summary: 'Re-enable a webhook disabled by 410 Gone',
        parameters: [pathParam('id', 'Webhook id')],
        responses: { '200': json(object), '404': error('No such webhook') },
      },
    },
    '/deadletters': {
      get: {
        summary: 'Dead letters, newest first',
        parameters: [
          { name: 'webhook', in: 'query', schema: { type: 'string' } },
          {
            name: 'since',
            in: 'query',
            schema: { type: 'string' },
            description: 'ISO time or duration (1h)',
          },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
        ],
        responses: { '200': json({ type: 'array', items: object }), ...errors },
      },
    },
    '/deadletters/replay': {
      post: {
        summary: "Replay one dead letter, a webhook's, or those since a time",
        requestBody: body({
          type: 'object',
          properties: {
            id: { type: 'string' },
            webhookId: { type: 'string' },
            all: { type: 'boolean' },
            since: { type: 'string' },
          },
        }),
        responses: {
          '200': json({ type: 'object', properties: { replayed: { type: 'integer' } } }),
          ...errors,
        },
      },
    },
    '/deadletters/purge': {
      post: {
        summary: 'Delete dead letters',
        requestBody: body({
          type: 'object',
          properties: { webhookId: { type: 'string' }, all: { type: 'boolean' }, since: { type: 'string' } },
        }),
        responses: {
          '200': json({ type: 'object', properties: { purged: { type: 'integer' } } }),
          ...errors,
        },
      },
    },
    '/subscriptions': {
      post: {
        summary: 'Create a subscription (idempotent: same rule or Idempotency-Key → same id)',
        parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string' } }],
        requestBody: body(subscriptionRule),
        responses: {
          '201': json(ref('Subscription'), 'Created'),
          '200': json(ref('Subscription'), 'The same rule already had a live subscription'),
          '409': error('The Idempotency-Key was used for another rule'),
          ...errors,
          ...unsupported,
        },
      },
      get: {
        summary: 'Live subscriptions',
        parameters: [{ name: 'webhookId', in: 'query', schema: { type: 'string' } }],
        responses: {
          '200': json({
            type: 'object',
            properties: { subscriptions: { type: 'array', items: ref('Subscription') } },
          }),
        },
      },
    },
    '/subscriptions/{id}': {
      get: {
        summary: 'One live subscription',
        parameters: [pathParam('id', 'Subscription id')],
        responses: { '200': json(ref('Subscription')), '404': error('Absent or expired') },
      },
      delete: {
        summary: 'Remove a subscription',
        parameters: [pathParam('id', 'Subscription id')],
        responses: { '200': json(object), '404': error('No such subscription') },
      },
    },
    '/subscriptions/test': {
      post: {
        summary: "Which of the last hour's messages a rule would have matched (nothing stored)",
        requestBody: body(subscriptionRule),
        responses: {
          '200': json({
            type: 'object',
            properties: {
              rule: object,
              examined: { type: 'integer' },
              matched: { type: 'array', items: object },
            },
          }),
          ...errors,
          ...unsupported,
        },
      },
    },
    '/flights/{flight}/{date}': {
      get: {
        summary: 'Timeline of a flight: every notification and each delivery attempt',
        parameters: flightParams,
        responses: { '200': json(ref('FlightTimeline')), ...errors },
      },
    },
    '/flights/{flight}/{date}/replay': {
      post: {
        summary: "Re-send a flight's events to a webhook, each with its original webhook-id",
        parameters: flightParams,
        requestBody: body({
          type: 'object',
          required: ['webhookId'],
          properties: { webhookId: { type: 'string' } },
        }),
        responses: {
          '200': json({
            type: 'object',
            properties: {
              flight: { type: 'string' },
              date: { type: 'string' },
              webhookId: { type: 'string' },
              replayed: { type: 'integer' },
            },
          }),
          ...errors,
          ...unsupported,
        },
      },
    },
    '/messages/{id}': {
      get: {
        summary: 'One message (webhook-id) with its delivery attempts',
        parameters: [pathParam('id', 'Message id = webhook-id')],
        responses: { '200': json(ref('Notification')), '404': error('Unknown or expired') },
      },
    },
    '/openapi.json': { get: { summary: 'This document', responses: { '200': json(object) } } },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'admin.token' } },
    schemas: {
      Error: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
      Subscription: {
        ...subscriptionRule,
        required: ['id', 'webhookId', 'createdAt'],
        properties: {
          id: { type: 'string' },
          ...(subscriptionRule.properties as Schema),
          createdAt: { type: 'string', format: 'date-time' },
        },
      },
      Attempt: {
        type: 'object',
        properties: {
          attempt: { type: 'integer' },
          at: { type: 'string', format: 'date-time' },
          status: { type: 'integer' },
          error: { type: 'string' },
          durationMs: { type: 'number' },
          outcome: { enum: ['delivered', 'retrying', 'dead-lettered'] },
        },
      },
      Notification: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          at: { type: 'string', format: 'date-time' },
          eventType: { type: 'string' },
          topic: { type: 'string' },
          code: { type: 'string' },
          flight: { type: 'string' },
          date: { type: 'string' },
          deliveries: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                webhookId: { type: 'string' },
                outcome: { type: 'string' },
                attempts: { type: 'array', items: ref('Attempt') },
              },
            },
          },
        },
      },
      FlightTimeline: {
        type: 'object',
        properties: {
          flight: { type: 'string' },
          date: { type: 'string' },
          notifications: { type: 'array', items: ref('Notification') },
        },
      },
    },
  },
} as const;
