/** The Pinning Service API's reads: GET /pins and GET /pins/{requestid}. */
import { getPin, listPins } from '../../../../contract/pins.ts';
import type { Principal } from '../../../core/auth.ts';
import { expectOk } from '../../../core/failures.ts';
import { getPin as find, listPins as list } from '../../../core/pinning-service.ts';
import { authorizeRequest, type ReadDeps } from '../../deps.ts';
import { listRequestOf, pinViewOf } from '../../pinning-service.ts';
import { authorizingImplementer } from '../../router.ts';

const read = authorizingImplementer<ReadDeps, Principal>(authorizeRequest);

export const pinReadRoutes = [
  read(listPins, async ({ query }, context, principal) => {
    const { deps, request } = context;
    const view = pinViewOf(request, deps.settings);
    const result = expectOk(
      await list(principal, listRequestOf(query, request.query), deps.ports, view),
    );
    return { status: 200, body: result };
  }),
  read(getPin, async ({ params }, context, principal) => {
    const { deps, request } = context;
    const view = pinViewOf(request, deps.settings);
    return {
      status: 200,
      body: expectOk(await find(principal, params.requestid, deps.ports, view)),
    };
  }),
];
