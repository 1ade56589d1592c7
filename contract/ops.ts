/** The operator's routes: the public status page and its JSON, and the Prometheus metrics. */
import * as z from 'zod/mini';
import { InternalError, Unauthorized } from './errors.ts';
import { route } from './route.ts';
import { DateTime, described, named } from './schema.ts';

const Health = z.enum(['operational', 'degraded', 'down']);

export const StatusReport = named(
  'StatusReport',
  'The status of each part of pinstack, from the signals its alarms watch',
  z.object({
    status: described('The worst of the parts', Health),
    checked: described('When the signals were read', DateTime),
    components: z.array(
      z.object({
        name: z.string(),
        description: z.string(),
        status: Health,
        detail: described('What the status rests on', z.array(z.string())),
      }),
    ),
  }),
);

export const getStatusPage = route({
  operationId: 'getStatusPage',
  method: 'GET',
  path: '/status',
  summary: 'Status page',
  description: 'A small HTML page (no JavaScript) of `GET /status.json`.',
  tag: 'Service',
  auth: 'none',
  legacyAlias: true,
  responses: {
    200: { description: 'The page', media: { 'text/html': { type: 'string' } } },
    500: InternalError,
  },
});

export const getStatus = route({
  operationId: 'getStatus',
  method: 'GET',
  path: '/status.json',
  summary: 'Status of each part',
  description:
    'API, ingest, pinning and scraper as operational / degraded / down, from queue depths, ' +
    'dead letters, the consumers’ progress and the scheduled jobs’ last runs; cached briefly.',
  tag: 'Service',
  auth: 'none',
  legacyAlias: true,
  responses: { 200: { description: 'The status', json: StatusReport }, 500: InternalError },
});

export const getMetrics = route({
  operationId: 'getMetrics',
  method: 'GET',
  path: '/metrics',
  summary: 'Prometheus metrics',
  description:
    'Usage totals and operational figures in the Prometheus text format (0.0.4). When ' +
    '`METRICS_TOKEN` is set, only with `Authorization: Bearer <token>` for the token whose ' +
    'SHA-256 it holds; open otherwise.',
  tag: 'Service',
  auth: 'none',
  legacyAlias: true,
  responses: {
    200: {
      description: 'The metrics',
      media: { 'text/plain': { type: 'string' } },
    },
    401: Unauthorized,
    500: InternalError,
  },
});

export const opsRoutes = [getStatusPage, getStatus, getMetrics] as const;
