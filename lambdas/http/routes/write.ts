/** Authenticated write routes: upload, store, rename, delete. */
import { z } from 'zod';
import { failures } from '../../core/errors.ts';
import { carFromDirectory, carFromFile, carFromUpload, nftFromForm } from '../../core/prepare.ts';
import { stageUpload } from '../../core/staged.ts';
import { deleteUpload, renameUpload, storeUpload } from '../../core/uploads.ts';
import { bodyBytes, type FormData, parseMultipart } from '../body.ts';
import { authorizeAlongside, authorizeRequest, cidParam, type WriteDeps } from '../deps.ts';
import { ApiError, expectOk, json, okValue } from '../response.ts';
import type { ApiRequest, Route } from '../router.ts';

const MAX_NAME_LENGTH = 1024;

export const writeRoutes: Route<WriteDeps>[] = [
  {
    method: 'POST',
    path: '/upload',
    legacyAlias: true,
    async run(request, deps) {
      const [principal, upload] = await authorizeAlongside(request, deps, () =>
        prepareUpload(request, deps.maxInlineUploadBytes),
      );
      return okValue(await storeUpload({ principal, ...upload }, deps));
    },
  },
  {
    method: 'POST',
    path: '/store',
    legacyAlias: false,
    async run(request, deps) {
      const principal = await authorizeRequest(request, deps);
      const contentType = request.headers['content-type'] ?? '';
      if (!contentType.includes('multipart/form-data')) {
        throw new ApiError(failures.badRequest('content-type should be `multipart/form-data`'));
      }
      const form = await parseMultipart(contentType, bodyBytes(request, deps.maxInlineUploadBytes));
      const meta = form.fields.get('meta');
      if (meta === undefined)
        throw new ApiError(failures.badRequest('missing `meta` in multipart'));
      const stray = [...form.fields.keys()].find((field) => field !== 'meta');
      if (stray) throw new ApiError(failures.badRequest(`expected File part: "${stray}"`));
      const nft = expectOk(await nftFromForm(meta, form.files));
      await storeUpload(
        {
          principal,
          car: nft.car,
          name: uploadName(request),
          type: 'nft',
          files: form.files.map((f) => ({ name: f.name, type: f.type })),
        },
        deps,
      );
      return okValue({
        ipnft: nft.car.root.toString(),
        url: `ipfs://${nft.car.root}/metadata.json`,
        data: nft.data,
      });
    },
  },
  {
    method: 'POST',
    path: '/staged-uploads',
    legacyAlias: false,
    async run(request, deps) {
      const principal = await authorizeRequest(request, deps);
      const stage = z
        .object({
          size: z.number().int().positive(),
          sha256: z.base64().refine((b64) => Buffer.from(b64, 'base64').length === 32, {
            message: 'must be the base64 SHA-256 digest (32 bytes) of the CAR',
          }),
          name: z.string().trim().min(1).max(MAX_NAME_LENGTH).optional(),
        })
        .strict()
        .safeParse(parseJson(bodyBytes(request, deps.maxInlineUploadBytes)));
      if (!stage.success) {
        const detail = stage.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
        throw new ApiError(failures.badRequest(`invalid params: ${detail.join('; ')}`));
      }
      return okValue(expectOk(await stageUpload(principal, stage.data, deps)));
    },
  },
  {
    method: 'PATCH',
    path: '/upload/{cid}',
    legacyAlias: true,
    async run(request, deps) {
      const principal = await authorizeRequest(request, deps);
      const id = cidParam(request);
      const rename = z
        .object({ name: z.string().trim().min(1).max(MAX_NAME_LENGTH) })
        .safeParse(parseJson(bodyBytes(request, deps.maxInlineUploadBytes)));
      if (!rename.success) {
        throw new ApiError(
          failures.badRequest(
            `invalid params: body must be {"name": "<1-${MAX_NAME_LENGTH} characters>"}`,
          ),
        );
      }
      return okValue(expectOk(await renameUpload(principal, id, rename.data.name, deps)));
    },
  },
  {
    method: 'DELETE',
    path: '/{cid}',
    legacyAlias: true,
    async run(request, deps) {
      const principal = await authorizeRequest(request, deps);
      expectOk(await deleteUpload(principal, cidParam(request), deps));
      return json(202, { ok: true });
    },
  },
];

/** The CAR and upload details of a POST /upload body, in any of its three modes. */
async function prepareUpload(request: ApiRequest, maxBytes: number) {
  const contentType = request.headers['content-type'] ?? '';
  const name = uploadName(request);
  const body = bodyBytes(request, maxBytes);
  if (contentType.includes('multipart/form-data')) {
    const files = fileParts(await parseMultipart(contentType, body));
    return {
      car: expectOk(await carFromDirectory(files)),
      name,
      type: 'directory',
      files: files.map((f) => ({ name: f.name, type: f.type })),
    };
  }
  if (body.length === 0) throw new ApiError(failures.badRequest('empty payload'));
  const isCar = contentType.includes('application/car');
  return {
    car: expectOk(isCar ? await carFromUpload(body) : await carFromFile(body)),
    name,
    type: isCar ? 'application/car' : mimeType(contentType),
    files: [],
  };
}

/** `x-name` is URI-encoded; without it the upload is named after its time. */
function uploadName(request: ApiRequest): string | undefined {
  const header = request.headers['x-name'];
  if (header === undefined || header === '') return undefined;
  let name: string;
  try {
    name = decodeURIComponent(header);
  } catch {
    throw new ApiError(
      failures.badRequest('x-name header must be URI-encoded (encodeURIComponent)'),
    );
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw new ApiError(failures.badRequest(`x-name is longer than ${MAX_NAME_LENGTH} characters`));
  }
  return name;
}

function fileParts(form: FormData) {
  if (form.fields.has('file')) {
    throw new ApiError(failures.badRequest('multipart part "file" must be a file with a filename'));
  }
  const files = form.files.filter((part) => part.field === 'file');
  if (files.length === 0) {
    throw new ApiError(failures.badRequest('multipart body has no "file" parts'));
  }
  return files;
}

function mimeType(contentType: string): string {
  return contentType.split(';')[0]?.trim().toLowerCase() ?? '';
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
}
