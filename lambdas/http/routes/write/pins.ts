/** The Pinning Service API's writes: POST /pins, POST and DELETE /pins/{requestid}. */
import { addPin, deletePin, replacePin } from '../../../../contract/pins.ts';
import type { Principal } from '../../../core/auth.ts';
import { expectOk } from '../../../core/failures.ts';
import {
  addPin as add,
  deletePin as remove,
  replacePin as replace,
} from '../../../core/pinning-service.ts';
import { authorizeRequest, type WriteDeps } from '../../deps.ts';
import { pinViewOf } from '../../pinning-service.ts';
import { authorizingImplementer } from '../../router.ts';

const write = authorizingImplementer<WriteDeps, Principal>(authorizeRequest);

export const pinWriteRoutes = [
  write(addPin, async ({ body }, context, principal) => {
    const { deps, request } = context;
    const view = pinViewOf(request, deps.settings);
    return { status: 202, body: expectOk(await add(principal, body, deps.ports, view)) };
  }),
  write(replacePin, async ({ params, body }, context, principal) => {
    const { deps, request } = context;
    const view = pinViewOf(request, deps.settings);
    const status = expectOk(
      await replace(principal, params.requestid, body, deps.ports, deps.settings, view),
    );
    return { status: 202, body: status };
  }),
  write(deletePin, async ({ params }, context, principal) => {
    const { deps } = context;
    expectOk(await remove(principal, params.requestid, deps.ports, deps.settings));
    return { status: 202, body: '' };
  }),
];
