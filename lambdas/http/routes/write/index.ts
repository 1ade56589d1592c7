/**
 * Every route api-write serves. Its handler wires them to AWS and in-process tests wire them to
 * in-memory ports, so the two serve the same routes.
 */
import { dealWriteRoutes } from './deals.ts';
import { stagedUploadWriteRoutes } from './staged-uploads.ts';
import { uploadWriteRoutes } from './uploads.ts';

export const writeApiRoutes = [
  ...dealWriteRoutes,
  ...stagedUploadWriteRoutes,
  ...uploadWriteRoutes,
];
