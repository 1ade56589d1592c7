/** Public and authenticated read routes. */
import { z } from 'zod';
import { decodeCursor, encodeCursor } from '../../codecs/cursor.ts';
import { failures } from '../../core/errors.ts';
import { getStagedUpload } from '../../core/staged.ts';
import { checkContent, getUpload, listUploads } from '../../core/uploads.ts';
import { authorizeRequest, cidParam, type PublicDeps, type ReadDeps } from '../deps.ts';
import { openApiDocument } from '../openapi.ts';
import { ApiError, expectOk, json, okValue } from '../response.ts';
import type { Route } from '../router.ts';

export const publicRoutes: Route<PublicDeps>[] = [
  {
    method: 'GET',
    path: '/version',
    legacyAlias: false,
    run: async (_request, deps) =>
      json(200, { version: deps.version.version, commit: deps.version.commit, mode: 'rw' }),
  },
  {
    method: 'GET',
    path: '/schema.json',
    legacyAlias: false,
    run: async () => json(200, openApiDocument),
  },
  {
    method: 'GET',
    path: '/check/{cid}',
    legacyAlias: true,
    run: async (request, deps) => okValue(expectOk(await checkContent(cidParam(request), deps))),
  },
];

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(10),
  before: z.iso
    .datetime({ offset: true })
    .transform((value) => new Date(value).toISOString())
    .optional(),
  cursor: z.string().optional(),
  name: z.string().min(1).max(1024).optional(),
  token: z
    .string()
    .regex(/^[a-z2-7]{16}$/)
    .optional(),
});

export const readRoutes: Route<ReadDeps>[] = [
  {
    method: 'GET',
    path: '/',
    legacyAlias: true,
    async run(request, deps) {
      const principal = await authorizeRequest(request, deps);
      const parsed = listQuery.safeParse(request.query);
      const cursor =
        parsed.success && parsed.data.cursor ? decodeCursor(parsed.data.cursor) : undefined;
      if (!parsed.success || (parsed.data.cursor && !cursor)) {
        const detail = parsed.success
          ? 'cursor: not a cursor from a previous page'
          : parsed.error.issues
              .map((i) => `${i.path.join('.') || 'query'}: ${i.message}`)
              .join('; ');
        throw new ApiError(failures.badRequest(`invalid params: ${detail}`));
      }
      const { limit, before, name, token } = parsed.data;
      const page = await listUploads(
        principal,
        { limit, before, cursor, namePrefix: name, tokenId: token },
        deps,
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
      return okValue(page.statuses, headers);
    },
  },
  {
    method: 'GET',
    path: '/staged-uploads/{id}',
    legacyAlias: false,
    async run(request, deps) {
      const principal = await authorizeRequest(request, deps);
      return okValue(expectOk(await getStagedUpload(principal, request.params.id ?? '', deps)));
    },
  },
  {
    method: 'GET',
    path: '/{cid}',
    legacyAlias: true,
    async run(request, deps) {
      const principal = await authorizeRequest(request, deps);
      return okValue(expectOk(await getUpload(principal, cidParam(request), deps)));
    },
  },
];
