/** GET /schema.json: this API's OpenAPI document, built from the route contracts. */
import { apiDocument } from '../../../../contract/api.ts';
import { getSchema } from '../../../../contract/public.ts';
import type { ReadDeps } from '../../deps.ts';
import { implementer } from '../../router.ts';

const implement = implementer<ReadDeps>();

export const schemaRoutes = [
  // The document states this deployment's limits.
  implement(getSchema, async (_, { deps }) => ({ status: 200, body: apiDocument(deps.settings) })),
];
