/** POST /upload, /store, /staged-uploads; PATCH /upload/{cid}; DELETE /{cid}. */
import { createApiHandler } from '../http/api.ts';
import { stagedUploadWriteRoutes } from '../http/routes/write/staged-uploads.ts';
import { uploadWriteRoutes } from '../http/routes/write/uploads.ts';
import { loadConfig } from '../shared/config.ts';
import { writeDeps } from '../shared/wiring.ts';

const config = loadConfig();

export const handler = createApiHandler(
  [...stagedUploadWriteRoutes, ...uploadWriteRoutes],
  writeDeps(config),
  { maxBodyBytes: config.MAX_INLINE_UPLOAD_BYTES },
);
