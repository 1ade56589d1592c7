/** POST /deals: an admin route for the deal aggregator to report Filecoin deals of content. */
import * as z from 'zod/mini';
import { authenticatedErrors, BadRequestOrInvalidCid, error } from './errors.ts';
import { route } from './route.ts';
import { DateTime, described, errorEnvelope, named, okEnvelope } from './schema.ts';
import { DEAL_STATUSES } from './status.ts';

/** Deals one request may report. */
export const MAX_DEALS_PER_REQUEST = 100;

const Text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));

export const DealReport = named(
  'DealReport',
  'One deal of one content, as the aggregator knows it; exactly one of `cid` and `carCid`',
  z.strictObject({
    cid: z.optional(described('The content root the deal holds (CIDv0 or CIDv1)', Text(512))),
    carCid: z.optional(described('Or a stored CAR of the content (its CAR CID)', Text(512))),
    dealId: described('The chain deal id', z.int().check(z.positive())),
    pieceCid: described('The piece CID (`baga...`)', Text(512)),
    provider: described('The storage provider (miner), e.g. `f01234`', Text(128)),
    status: z.enum(DEAL_STATUSES),
    network: z.optional(described('Filecoin network (default `mainnet`)', Text(64))),
    dataModelSelector: z.optional(described('Path of the data inside the aggregate', Text(1024))),
    batchRootCid: z.optional(described('The aggregate (batch) root', Text(512))),
    statusText: z.optional(Text(1024)),
    activation: z.optional(DateTime),
    expiration: z.optional(DateTime),
  }),
);
export type DealReport = z.infer<typeof DealReport>;

export const DealsRequest = z.strictObject({
  deals: z.array(DealReport).check(z.minLength(1), z.maxLength(MAX_DEALS_PER_REQUEST)),
});

export const Forbidden = error(
  'The API key may not call admin routes',
  errorEnvelope('ForbiddenError', 'Not an admin API key', ['ERROR_FORBIDDEN']),
);

export const recordDeals = route({
  operationId: 'recordDeals',
  method: 'POST',
  path: '/deals',
  summary: 'Report Filecoin deals (admin)',
  description:
    'For a deal aggregator, with an admin API key (`npx pinstack token create --admin`). ' +
    `Up to ${MAX_DEALS_PER_REQUEST} deals, each for a content root or a stored CAR of it. ` +
    'Idempotent per content and deal id: a repeat stores nothing new, a changed report ' +
    'replaces the earlier one. Content unknown to this deployment is 404 and nothing is ' +
    'written; deals show on `GET /{cid}` and `GET /check/{cid}`.',
  tag: 'Service',
  auth: 'bearer',
  legacyAlias: true,
  body: { description: 'The deals', required: true, json: DealsRequest },
  responses: {
    200: {
      description: 'Recorded',
      json: okEnvelope(
        'DealsRecordedEnvelope',
        'What was recorded',
        z.object({
          recorded: described('Deal records written or changed', z.int().check(z.nonnegative())),
          unchanged: described(
            'Reports already recorded as they are',
            z.int().check(z.nonnegative()),
          ),
        }),
      ),
    },
    400: BadRequestOrInvalidCid,
    403: Forbidden,
    404: error(
      'Unknown content',
      errorEnvelope('DealContentNotFoundError', 'No content or CAR with that CID', ['HTTP_ERROR']),
    ),
    ...authenticatedErrors,
  },
});
