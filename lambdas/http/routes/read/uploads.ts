/** The caller's uploads, read: GET / (paged) and GET /{cid}. */
import { getUpload, listUploads } from '../../../../contract/uploads.ts';
import { decodeCursor, encodeCursor } from '../../../codecs/cursor.ts';
import { expectOk, FailureError, failure } from '../../../core/failures.ts';
import { getUpload as find, listUploads as list } from '../../../core/uploads.ts';
import { authorizeRequest, contentIdOf, type ReadDeps } from '../../deps.ts';
import { okBody } from '../../response.ts';
import { implementer } from '../../router.ts';

const read = implementer<ReadDeps>();

export const uploadReadRoutes = [
  read(listUploads, async ({ query }, context) => {
    const principal = await authorizeRequest(context);
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) {
      throw new FailureError(
        failure.invalidRequest('invalid params: cursor: not a cursor from a previous page'),
      );
    }
    const { limit, before, name, token } = query;
    const page = await list(
      principal,
      { limit, before, cursor, namePrefix: name, tokenId: token },
      context.deps.ports,
    );
    const headers: Record<string, string> = {};
    if (page.next) {
      const next = encodeCursor(page.next);
      const params = new URLSearchParams({ limit: String(limit), cursor: next });
      if (name) params.set('name', name);
      if (token) params.set('token', token);
      headers['x-next-cursor'] = next;
      headers.link = `</?${params}>; rel="next"`;
    }
    return { status: 200, body: okBody(page.statuses), headers };
  }),
  read(getUpload, async ({ params }, context) => {
    const principal = await authorizeRequest(context);
    const value = expectOk(await find(principal, contentIdOf(params.cid), context.deps.ports));
    return { status: 200, body: okBody(value) };
  }),
];
