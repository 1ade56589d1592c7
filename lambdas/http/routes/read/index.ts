/**
 * Every route api-read serves. Its handler wires them to AWS and in-process tests wire them to
 * in-memory ports, so the two serve the same routes in the same order.
 */
import { publicRoutes } from '../public.ts';
import { opsReadRoutes } from './ops.ts';
import { schemaRoutes } from './schema.ts';
import { stagedUploadReadRoutes } from './staged-uploads.ts';
import { uploadReadRoutes } from './uploads.ts';

// Fixed paths first: `/staged-uploads/{id}` must win over `/{cid}`.
export const readApiRoutes = [
  ...publicRoutes,
  ...schemaRoutes,
  ...opsReadRoutes,
  ...stagedUploadReadRoutes,
  ...uploadReadRoutes,
];
