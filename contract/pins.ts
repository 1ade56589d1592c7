/**
 * The IPFS Pinning Service API v1.0.0 (`/pins`, also under `/api/pins`): pin requests by CID,
 * each an upload of the CID for the token's user. Its objects and its error shape
 * (`{"error":{"reason","details"}}`) are the spec's, not nft.storage's envelopes.
 */
import * as z from 'zod/mini';
import { MAX_CID_LENGTH } from './limits.ts';
import { type HeaderSpec, type ResponseSpec, route } from './route.ts';
import { DateTime, described, named } from './schema.ts';
import { PIN_STATUSES } from './status.ts';

/** The spec's limits. */
export const MAX_PIN_NAME = 255;
export const MAX_ORIGINS = 20;
export const MAX_DELEGATES = 20;
export const MAX_CID_FILTER = 10;
export const MAX_PIN_RESULTS = 1000;
export const DEFAULT_PIN_LIMIT = 10;
/** pinstack's bounds on `meta` (the spec sets none that a validator enforces). */
export const MAX_META_KEYS = 100;
export const MAX_META_KEY = 255;
export const MAX_META_VALUE = 1024;
/**
 * Bounds on the filters of `GET /pins`, which travel in the request line: with the longest
 * name, every filter at its longest stays inside API Gateway's 10240 bytes of request line
 * and headers, percent-encoding included.
 */
export const MAX_CID_FILTER_LENGTH = 1024;
export const MAX_META_FILTER = 256;
/** Longest origin multiaddr or URL kept. */
export const MAX_ORIGIN_LENGTH = 1024;

/**
 * A string of at most `max` characters as JSON Schema counts them (code points, where
 * JavaScript's `length` counts UTF-16 units).
 */
const chars = (max: number, min = 0) =>
  z.string().check(
    z.refine(
      (s) => {
        const n = [...s].length;
        return n >= min && n <= max;
      },
      `must be ${min > 0 ? `${min} to ` : 'at most '}${max} characters`,
    ),
    z.meta({ maxLength: max, ...(min > 0 ? { minLength: min } : {}) }),
  );

const uniqueStrings = (max: number, item: z.ZodMiniType<string>) =>
  z.array(item).check(
    z.maxLength(max),
    z.refine((list) => new Set(list).size === list.length, 'must not repeat an item'),
    z.meta({ uniqueItems: true }),
  );

export const PinStatusName = named(
  'PsaStatus',
  'Status a pin object can have: `queued` waiting, `pinning` being fetched or pinned by ' +
    'providers, `pinned` stored and pinned everywhere, `failed` (see `info.status_details`)',
  z.enum(PIN_STATUSES),
);

const StringMap = (description: string) =>
  described(
    description,
    z.record(chars(MAX_META_KEY, 1), chars(MAX_META_VALUE)).check(
      z.refine((map) => Object.keys(map).length <= MAX_META_KEYS, `at most ${MAX_META_KEYS} keys`),
      z.meta({ maxProperties: MAX_META_KEYS }),
    ),
  );

export const Pin = named(
  'PsaPin',
  'Pin object: the CID to pin recursively, with optional name, origins and meta',
  z.object({
    cid: described(
      'CID to pin (v0 or v1); anything else is 400 BAD_REQUEST',
      chars(MAX_CID_LENGTH, 1),
    ),
    name: z.optional(described('Name for lookups (at most 255 characters)', chars(MAX_PIN_NAME))),
    origins: z.optional(
      described(
        'Multiaddrs known to provide the data; HTTP(S) gateway addresses (`/dns/<host>/tcp/443/https`) ' +
          'and http(s) URLs are fetched from first, others are kept as hints',
        uniqueStrings(MAX_ORIGINS, chars(MAX_ORIGIN_LENGTH, 1)),
      ),
    ),
    meta: z.optional(StringMap('Metadata kept with the pin, string keys and values')),
  }),
);
export type PsaPin = z.infer<typeof Pin>;

export const PinStatusObject = named(
  'PsaPinStatus',
  'Pin object with its status',
  z.strictObject({
    requestid: described('Unique id of the pin request (a UUID)', z.string().check(z.minLength(1))),
    status: PinStatusName,
    created: described('When the request entered the service; unique per user', DateTime),
    pin: Pin,
    delegates: described(
      "pinstack's gateway as multiaddrs (ending in /p2p/<peer id>)",
      uniqueStrings(MAX_DELEGATES, z.string().check(z.minLength(1))).check(z.minLength(1)),
    ),
    info: z.optional(
      described(
        '`status_details` (why it failed), `dag_size` (bytes)',
        z.record(z.string(), z.string()),
      ),
    ),
  }),
);
export type PsaPinStatus = z.infer<typeof PinStatusObject>;

export const PinResults = named(
  'PsaPinResults',
  'Pin objects matching the query, newest first',
  z.strictObject({
    count: described(
      'Total number of pin objects matching the filters (not only this page)',
      z.int().check(z.nonnegative()),
    ),
    results: z.array(PinStatusObject).check(z.maxLength(MAX_PIN_RESULTS)),
  }),
);
export type PsaPinResults = z.infer<typeof PinResults>;

/** The spec's error reasons pinstack answers with. */
export const PSA_REASONS = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'INTERNAL_SERVER_ERROR',
  'SERVICE_UNAVAILABLE',
] as const;
export type PsaReason = (typeof PSA_REASONS)[number];

export const PsaFailure = named(
  'PsaFailure',
  'The Pinning Service API error: a machine-readable reason and details for humans',
  z.strictObject({
    error: z.strictObject({
      reason: z.enum(PSA_REASONS),
      details: z.optional(z.string().check(z.minLength(1))),
    }),
  }),
);
export type PsaFailureBody = z.infer<typeof PsaFailure>;

const failureResponse = (description: string, headers?: ResponseSpec['headers']) =>
  ({ description, json: PsaFailure, ...(headers ? { headers } : {}) }) satisfies ResponseSpec;

const RetryAfter: HeaderSpec = {
  description: 'Seconds to wait before retrying',
  required: true,
  schema: z.string().check(z.regex(/^[1-9][0-9]*$/)),
};

export const psaErrors = {
  400: failureResponse('Bad request (BAD_REQUEST; `details` says what)'),
  401: failureResponse('Access token missing, malformed, unknown or revoked (UNAUTHORIZED)'),
  429: failureResponse('Rate limited (RATE_LIMITED)', { 'Retry-After': RetryAfter }),
  500: failureResponse('Unexpected failure (INTERNAL_SERVER_ERROR; quotes the request id)'),
  503: failureResponse('A storage dependency is unavailable (SERVICE_UNAVAILABLE)', {
    'Retry-After': RetryAfter,
  }),
} as const;

const NotFound = failureResponse('No such pin request of this user (NOT_FOUND)');
const PayloadTooLarge = failureResponse('Body over the inline limit (PAYLOAD_TOO_LARGE)');

const STATUS_LIST = new RegExp(`^(${PIN_STATUSES.join('|')})(,(${PIN_STATUSES.join('|')}))*$`);

export const ListPinsQuery = z.object({
  cid: z.optional(
    described(
      `Only pins of these CIDs: comma-separated, at most ${MAX_CID_FILTER} (${MAX_CID_FILTER_LENGTH} characters)`,
      z
        .string()
        .check(
          z.maxLength(MAX_CID_FILTER_LENGTH),
          z.regex(
            new RegExp(
              `^[^,]{1,${MAX_CID_LENGTH}}(,[^,]{1,${MAX_CID_LENGTH}}){0,${MAX_CID_FILTER - 1}}$`,
            ),
          ),
        ),
    ),
  ),
  name: z.optional(described('Only pins with this name (see `match`)', chars(MAX_PIN_NAME))),
  match: z._default(
    described(
      'How `name` matches: `exact` (default), `iexact`, `partial` (substring), `ipartial`; `i` = case-insensitive',
      z.enum(['exact', 'iexact', 'partial', 'ipartial']),
    ),
    'exact',
  ),
  status: z.optional(
    described(
      'Only pins in these states, comma-separated. With no filter at all, only `pinned` pins are listed (as the spec says)',
      z.string().check(z.regex(STATUS_LIST)),
    ),
  ),
  before: z.optional(
    described('Only pins created strictly before this time', z.iso.datetime({ offset: true })),
  ),
  after: z.optional(
    described('Only pins created strictly after this time', z.iso.datetime({ offset: true })),
  ),
  limit: z._default(
    described(
      'Most pins in `results`',
      z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_PIN_RESULTS)),
    ),
    DEFAULT_PIN_LIMIT,
  ),
  meta: z.optional(
    described(
      'Only pins whose meta has every one of these pairs: a JSON object of strings (`meta[key]=value` pairs work too)',
      z.string().check(z.maxLength(MAX_META_FILTER)),
    ),
  ),
});
export type ListPinsQuery = z.output<typeof ListPinsQuery>;

export const RequestIdParams = z.object({
  requestid: described('The pin request id', z.string().check(z.minLength(1))),
});

const describeApi =
  'The [IPFS Pinning Service API v1.0.0](https://ipfs.github.io/pinning-services-api-spec/). ' +
  "A pin request is an upload of its CID for the token's user (listed by `GET /`, its content " +
  "counted once), whose status follows the content's pin. Errors use the spec's " +
  '`{"error":{"reason","details"}}`, not the nft.storage envelope.';

const TAG = 'Pinning Service API';

export const listPins = route({
  operationId: 'listPins',
  method: 'GET',
  path: '/pins',
  summary: 'List pin objects',
  description: `${describeApi} Newest first; page with \`before\` = the oldest \`created\` of a page; \`count\` is the total of all matches.`,
  tag: TAG,
  auth: 'bearer',
  legacyAlias: true,
  errorFormat: 'pinning-service',
  query: ListPinsQuery,
  responses: {
    200: { description: 'Matching pin objects', json: PinResults },
    ...psaErrors,
  },
});

export const addPin = route({
  operationId: 'addPin',
  method: 'POST',
  path: '/pins',
  summary: 'Add a pin object',
  description: `${describeApi} Pinning the same CID again makes a new pin request (one upload).`,
  tag: TAG,
  auth: 'bearer',
  legacyAlias: true,
  errorFormat: 'pinning-service',
  body: { description: 'The pin', required: true, json: Pin },
  responses: {
    202: { description: 'Accepted', json: PinStatusObject },
    ...psaErrors,
    413: PayloadTooLarge,
  },
});

export const getPin = route({
  operationId: 'getPin',
  method: 'GET',
  path: '/pins/{requestid}',
  summary: 'Get a pin object and its status',
  tag: TAG,
  auth: 'bearer',
  legacyAlias: true,
  errorFormat: 'pinning-service',
  params: RequestIdParams,
  responses: {
    200: { description: 'The pin object', json: PinStatusObject },
    404: NotFound,
    ...psaErrors,
  },
});

export const replacePin = route({
  operationId: 'replacePin',
  method: 'POST',
  path: '/pins/{requestid}',
  summary: 'Replace a pin object',
  description:
    'Adds the new pin, then removes the old request: blocks both pins share are never unpinned. The new pin has a new `requestid`.',
  tag: TAG,
  auth: 'bearer',
  legacyAlias: true,
  errorFormat: 'pinning-service',
  params: RequestIdParams,
  body: { description: 'The new pin', required: true, json: Pin },
  responses: {
    202: { description: 'Accepted', json: PinStatusObject },
    404: NotFound,
    ...psaErrors,
    413: PayloadTooLarge,
  },
});

export const deletePin = route({
  operationId: 'deletePin',
  method: 'DELETE',
  path: '/pins/{requestid}',
  summary: 'Remove a pin object',
  description:
    "Removes the request; the user's upload of the CID goes when its last pin request does.",
  tag: TAG,
  auth: 'bearer',
  legacyAlias: true,
  errorFormat: 'pinning-service',
  params: RequestIdParams,
  responses: {
    202: { description: 'Removed (no body)' },
    404: NotFound,
    ...psaErrors,
  },
});

export const pinRoutes = [listPins, addPin, getPin, replacePin, deletePin] as const;
