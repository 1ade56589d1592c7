/** POST /upload, /store, /staged-uploads; PATCH /upload/{cid}; DELETE /{cid}. */
import { createApiHandler } from '../http/api.ts';
import { writeApiRoutes } from '../http/routes/write/index.ts';
import { loadConfig } from '../shared/config.ts';
import { writeDeps } from '../shared/wiring.ts';

const config = loadConfig();

export const handler = createApiHandler(writeApiRoutes, writeDeps(config), {
  maxBodyBytes: config.MAX_INLINE_UPLOAD_BYTES,
});
