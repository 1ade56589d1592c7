/** Staged uploads: POST /staged-uploads runs in api-write, GET /staged-uploads/{id} in api-read. */
import { getStagedUpload, stageUpload } from '../../../contract/staged-uploads.ts';
import { expectOk } from '../../core/failures.ts';
import {
  getStagedUpload as find,
  type StagedUploadView,
  stageUpload as stage,
} from '../../core/staged.ts';
import { authorizeRequest, type ReadDeps, type WriteDeps } from '../deps.ts';
import { NFT_STORAGE_ERRORS } from '../nft-storage-errors.ts';
import { okBody } from '../response.ts';
import { implementer } from '../router.ts';

const read = implementer<ReadDeps>();
const write = implementer<WriteDeps>();

export const stagedUploadReadRoutes = [
  read(getStagedUpload, async ({ params }, context) => {
    const principal = await authorizeRequest(context);
    const view = expectOk(await find(principal, params.id, context.deps.ports));
    return { status: 200, body: okBody(wireView(view)) };
  }),
];

export const stagedUploadWriteRoutes = [
  write(stageUpload, async ({ body }, context) => {
    const principal = await authorizeRequest(context);
    const { ports, settings } = context.deps;
    const ticket = expectOk(await stage(principal, body, ports, settings));
    return {
      status: 200,
      body: okBody({ ...wireView(ticket), status: 'waiting' as const, upload: ticket.upload }),
    };
  }),
];

/** A staged upload as the wire shows it: a recorded failure becomes its error code. */
function wireView({ failure, ...view }: StagedUploadView) {
  if (!failure) return view;
  const code = NFT_STORAGE_ERRORS[failure.name].code as 'HTTP_ERROR' | 'ERROR_INVALID_CAR';
  return { ...view, error: { code, message: failure.message } };
}
