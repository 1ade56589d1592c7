/** Public, read-only routes: GET /version and /check/{cid}, kept small for the checker's latency. */
import { checkContent, getVersion } from '../../../contract/public.ts';
import { expectOk } from '../../core/failures.ts';
import { checkContent as check } from '../../core/uploads.ts';
import { contentIdOf, type PublicDeps } from '../deps.ts';
import { okBody } from '../response.ts';
import { implementer } from '../router.ts';

const implement = implementer<PublicDeps>();

export const publicRoutes = [
  implement(getVersion, async (_input, { deps }) => ({
    status: 200,
    body: {
      version: deps.settings.PINSTACK_VERSION,
      commit: deps.settings.PINSTACK_COMMIT,
      mode: 'rw' as const,
      ...(deps.settings.PROVIDER_PEER_ID ? { peerId: deps.settings.PROVIDER_PEER_ID } : {}),
    },
  })),
  implement(checkContent, async ({ params }, { deps }) => ({
    status: 200,
    body: okBody(expectOk(await check(contentIdOf(params.cid), deps.ports))),
  })),
];
