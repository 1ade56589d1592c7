/** GET /staged-uploads/{id}: the caller's staged upload. */
import { getStagedUpload } from '../../../../contract/staged-uploads.ts';
import { expectOk } from '../../../core/failures.ts';
import { getStagedUpload as find } from '../../../core/staged.ts';
import { authorizeRequest, type ReadDeps } from '../../deps.ts';
import { okBody } from '../../response.ts';
import { implementer } from '../../router.ts';
import { wireView } from '../../staged-upload-view.ts';

const read = implementer<ReadDeps>();

export const stagedUploadReadRoutes = [
  read(getStagedUpload, async ({ params }, context) => {
    const principal = await authorizeRequest(context);
    const view = expectOk(await find(principal, params.id, context.deps.ports));
    return { status: 200, body: okBody(wireView(view)) };
  }),
];
