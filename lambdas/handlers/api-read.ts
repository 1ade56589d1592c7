/** GET / and GET /{cid}: the caller's uploads (plus the public routes under other paths). */
import { createApiHandler } from '../http/api.ts';
import { publicRoutes, readRoutes } from '../http/routes/read.ts';
import { loadConfig } from '../shared/config.ts';
import { readDeps } from '../shared/wiring.ts';

const deps = readDeps(loadConfig());

export const handler = createApiHandler([...publicRoutes, ...readRoutes], deps);
