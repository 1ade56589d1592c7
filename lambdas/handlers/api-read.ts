/** GET / and GET /{cid}: the caller's uploads, plus /schema.json and the public routes. */
import { createApiHandler } from '../http/api.ts';
import { publicRoutes } from '../http/routes/public.ts';
import { schemaRoutes } from '../http/routes/read/schema.ts';
import { stagedUploadReadRoutes } from '../http/routes/read/staged-uploads.ts';
import { uploadReadRoutes } from '../http/routes/read/uploads.ts';
import { loadConfig } from '../shared/config.ts';
import { readDeps } from '../shared/wiring.ts';

const config = loadConfig();

// Fixed paths first: `/staged-uploads/{id}` must win over `/{cid}`.
export const handler = createApiHandler(
  [...publicRoutes, ...schemaRoutes, ...stagedUploadReadRoutes, ...uploadReadRoutes],
  readDeps(config),
  { maxBodyBytes: config.MAX_INLINE_UPLOAD_BYTES },
);
