/**
 * Every route api-read serves. Its handler wires them to AWS and in-process tests wire them to
 * in-memory ports, so the two serve the same routes in the same order.
 */
import { publicRoutes } from '../public.ts';
import { nftReadRoutes } from './nfts.ts';
import { opsReadRoutes } from './ops.ts';
import { pinReadRoutes } from './pins.ts';
import { schemaRoutes } from './schema.ts';
import { stagedUploadReadRoutes } from './staged-uploads.ts';
import { uploadReadRoutes } from './uploads.ts';

// Fixed paths first: `/staged-uploads/{id}` and `/pins` must win over `/{cid}`.
export const readApiRoutes = [
  ...publicRoutes,
  ...schemaRoutes,
  ...opsReadRoutes,
  ...nftReadRoutes,
  ...stagedUploadReadRoutes,
  ...pinReadRoutes,
  ...uploadReadRoutes,
];
