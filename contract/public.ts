/** Public routes: the service's version, this API's OpenAPI document, and the content check. */

import * as z from 'zod/mini';
import { InvalidCid, NotFound, publicErrors } from './errors.ts';
import { route } from './route.ts';
import { described, named, okEnvelope } from './schema.ts';
import { CheckResult } from './status.ts';

export const CidParams = z.object({
  cid: described('Root CID (v0 or v1); anything else is 400 ERROR_INVALID_CID', z.string()),
});

export const Version = named(
  'Version',
  'The running version',
  z.object({
    version: z.string().check(z.minLength(1)),
    commit: z.string().check(z.minLength(1)),
    mode: described('Maintenance mode; pinstack is always "rw"', z.enum(['rw', 'r-', '--'])),
    peerId: z.optional(
      described(
        "The IPFS provider's peer ID: it signs the IPNI advertisements, routing answers name it",
        z.string().check(z.regex(/^12D3KooW[1-9A-HJ-NP-Za-km-z]+$/)),
      ),
    ),
  }),
);

const OpenApiDocumentSchema = named(
  'OpenApiDocument',
  'This document',
  z.looseObject({
    openapi: z.literal('3.1.0'),
    info: z.looseObject({}),
    paths: z.looseObject({}),
    components: z.looseObject({}),
  }),
);

export const getVersion = route({
  operationId: 'getVersion',
  method: 'GET',
  path: '/version',
  summary: 'Version of the running API',
  description: 'A bare object, not wrapped in the `{ok,value}` envelope.',
  tag: 'Service',
  auth: 'none',
  legacyAlias: true,
  responses: { 200: { description: 'Version', json: Version }, 500: publicErrors[500] },
});

export const getSchema = route({
  operationId: 'getSchema',
  method: 'GET',
  path: '/schema.json',
  summary: 'This OpenAPI document',
  tag: 'Service',
  auth: 'none',
  legacyAlias: true,
  responses: {
    200: { description: 'The OpenAPI 3.1 document', json: OpenApiDocumentSchema },
    500: publicErrors[500],
  },
});

export const checkContent = route({
  operationId: 'checkContent',
  method: 'GET',
  path: '/check/{cid}',
  summary: 'Pin status of content stored by anyone',
  description:
    'Public. Answers for content uploaded by any user, in either CID version. `cid` echoes ' +
    'the CID as requested; `pin.cid` is the CIDv1. Not rate limited.',
  tag: 'NFT storage',
  auth: 'none',
  legacyAlias: true,
  params: CidParams,
  responses: {
    200: {
      description: 'Stored',
      json: okEnvelope('CheckEnvelope', 'Content status', CheckResult),
    },
    400: InvalidCid,
    404: NotFound,
    ...publicErrors,
  },
});

export const publicRoutes = [getVersion, getSchema, checkContent] as const;
