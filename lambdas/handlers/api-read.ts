/** GET / and GET /{cid}: the caller's uploads, plus /pins, /nfts, /schema.json, /status and the public routes. */
import { createApiHandler } from '../http/api.ts';
import { pinningServiceErrorTable } from '../http/pinning-service-errors.ts';
import { readApiRoutes } from '../http/routes/read/index.ts';
import { loadConfig } from '../shared/config.ts';
import { readDeps } from '../shared/wiring.ts';

const config = loadConfig();

export const handler = createApiHandler(readApiRoutes, readDeps(config), {
  maxBodyBytes: config.MAX_INLINE_UPLOAD_BYTES,
  errorTables: { 'pinning-service': pinningServiceErrorTable },
});
