/** GET /check/{cid}, /version, /schema.json: public reads with read-only table access. */
import { createApiHandler } from '../http/api.ts';
import { publicRoutes } from '../http/routes/read.ts';
import { loadConfig } from '../shared/config.ts';
import { publicDeps } from '../shared/wiring.ts';

const deps = publicDeps(loadConfig());

export const handler = createApiHandler(publicRoutes, deps);
