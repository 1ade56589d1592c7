/**
 * Staged uploads, written: POST /staged-uploads (presigned S3 requests for a CAR too large to
 * send inline), part URLs, completing and aborting a multipart upload.
 */
import {
  abortStagedUpload,
  completeStagedUpload,
  signStagedParts,
  stageUpload,
} from '../../../../contract/staged-uploads.ts';
import { expectOk } from '../../../core/failures.ts';
import {
  abortStagedUpload as abort,
  completeStagedUpload as complete,
  signStagedParts as sign,
  stageUpload as stage,
} from '../../../core/staged.ts';
import { authorizeRequest, type WriteDeps } from '../../deps.ts';
import { okBody } from '../../response.ts';
import { implementer } from '../../router.ts';
import { wireView } from '../../staged-upload-view.ts';

const write = implementer<WriteDeps>();

export const stagedUploadWriteRoutes = [
  write(stageUpload, async ({ body }, context) => {
    const principal = await authorizeRequest(context);
    const { ports, settings } = context.deps;
    const { upload, ...view } = expectOk(await stage(principal, body, ports, settings));
    const status = upload.method === 'PUT' ? ('waiting' as const) : ('uploading' as const);
    return { status: 200, body: okBody({ ...wireView(view), status, upload }) };
  }),
  write(signStagedParts, async ({ params, body }, context) => {
    const principal = await authorizeRequest(context);
    const { ports, settings } = context.deps;
    const signed = expectOk(await sign(principal, params.id, body.parts, ports, settings));
    return { status: 200, body: okBody(signed) };
  }),
  write(completeStagedUpload, async ({ params, body }, context) => {
    const principal = await authorizeRequest(context);
    const view = expectOk(await complete(principal, params.id, body.parts, context.deps.ports));
    return { status: 200, body: okBody(wireView(view)) };
  }),
  write(abortStagedUpload, async ({ params }, context) => {
    const principal = await authorizeRequest(context);
    const view = expectOk(await abort(principal, params.id, context.deps.ports));
    return { status: 200, body: okBody(wireView(view)) };
  }),
];
