/** GET /check/{cid} and /version: public reads with read-only table access. */
import { createApiHandler } from '../http/api.ts';
import { publicRoutes } from '../http/routes/public.ts';
import { loadConfig } from '../shared/config.ts';
import { publicDeps } from '../shared/wiring.ts';

const config = loadConfig();

export const handler = createApiHandler(publicRoutes, publicDeps(config), {
  maxBodyBytes: config.MAX_INLINE_UPLOAD_BYTES,
});
