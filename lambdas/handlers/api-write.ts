/** POST /upload, POST /store, PATCH /upload/{cid}, DELETE /{cid}. */
import { createApiHandler } from '../http/api.ts';
import { writeRoutes } from '../http/routes/write.ts';
import { loadConfig } from '../shared/config.ts';
import { writeDeps } from '../shared/wiring.ts';

const deps = writeDeps(loadConfig());

export const handler = createApiHandler(writeRoutes, deps);
