/** GET / and GET /{cid}: the caller's uploads (plus the public routes under other paths). */
import { createApiHandler } from '../http/api.ts';
import { publicRoutes } from '../http/routes/public.ts';
import { stagedUploadReadRoutes } from '../http/routes/staged-uploads.ts';
import { uploadReadRoutes } from '../http/routes/uploads.ts';
import { loadConfig } from '../shared/config.ts';
import { readDeps } from '../shared/wiring.ts';

const config = loadConfig();

// Fixed paths first: `/staged-uploads/{id}` must win over `/{cid}`.
export const handler = createApiHandler(
  [...publicRoutes, ...stagedUploadReadRoutes, ...uploadReadRoutes],
  readDeps(config),
  { maxBodyBytes: config.MAX_INLINE_UPLOAD_BYTES },
);
