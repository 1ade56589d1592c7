/** POST /staged-uploads: a presigned S3 upload for a CAR too large to send inline. */
import { stageUpload } from '../../../../contract/staged-uploads.ts';
import { expectOk } from '../../../core/failures.ts';
import { stageUpload as stage } from '../../../core/staged.ts';
import { authorizeRequest, type WriteDeps } from '../../deps.ts';
import { okBody } from '../../response.ts';
import { implementer } from '../../router.ts';
import { wireView } from '../../staged-upload-view.ts';

const write = implementer<WriteDeps>();

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
