/** GET /stats: the usage totals, for anyone (nft.storage had the same route and envelope). */
import * as z from 'zod/mini';
import { publicErrors } from './errors.ts';
import { route } from './route.ts';
import { DateTime, described, named } from './schema.ts';

const Total = z.int().check(z.nonnegative());

export const Stats = named(
  'Stats',
  'Usage totals, exact: content and bytes count each root once however many users hold it',
  z.object({
    contents_total: described(
      'Distinct content roots stored (not handed over for unpinning)',
      Total,
    ),
    contents_bytes_total: described('Their whole-DAG sizes, each content once', Total),
    uploads_total: described('Live uploads (deleted ones are not counted)', Total),
    users_total: described('Users (accounts with an API token)', Total),
    deals_total: described('Filecoin deal records (content and deal id)', Total),
    pins_total: described(
      'Stored contents by pin status',
      z.object({ queued: Total, pinning: Total, pinned: Total, failed: Total }),
    ),
    updated: described('When these totals were read', DateTime),
  }),
);
export type StatsView = z.infer<typeof Stats>;

export const getStats = route({
  operationId: 'getStats',
  method: 'GET',
  path: '/stats',
  summary: 'Usage totals',
  description:
    'Public, `{"ok":true,"data":{...}}` as nft.storage answered. Read from totals kept exact ' +
    'as records change (never by scanning), cached for a few seconds.',
  tag: 'Service',
  auth: 'none',
  legacyAlias: true,
  responses: {
    200: {
      description: 'The totals',
      json: named('StatsEnvelope', 'Usage totals', z.object({ ok: z.literal(true), data: Stats })),
    },
    ...publicErrors,
  },
});
