/** POST /upload, /store, /staged-uploads, /pins; PATCH /upload/{cid}; DELETE /{cid}, /pins/{id}. */
import { createApiHandler } from '../http/api.ts';
import { pinningServiceErrorTable } from '../http/pinning-service-errors.ts';
import { writeApiRoutes } from '../http/routes/write/index.ts';
import { loadConfig } from '../shared/config.ts';
import { writeDeps } from '../shared/wiring.ts';

const config = loadConfig();

export const handler = createApiHandler(writeApiRoutes, writeDeps(config), {
  maxBodyBytes: config.MAX_INLINE_UPLOAD_BYTES,
  errorTables: { 'pinning-service': pinningServiceErrorTable },
});
