/** GET /schema.json: this API's OpenAPI document, built from the route contracts. */
import { apiDocument } from '../../../../contract/api.ts';
import { getSchema } from '../../../../contract/public.ts';
import type { PublicDeps } from '../../deps.ts';
import { implementer } from '../../router.ts';

const implement = implementer<PublicDeps>();

export const schemaRoutes = [
  implement(getSchema, async () => ({ status: 200, body: apiDocument() })),
];
