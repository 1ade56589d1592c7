/** Uploads, written: POST /upload, POST /store, PATCH /upload/{cid}, DELETE /{cid}. */

import { MAX_NAME_LENGTH } from '../../../../contract/schema.ts';
import { deleteUpload, renameUpload, store, upload } from '../../../../contract/uploads.ts';
import { expectOk, FailureError, failure, quote } from '../../../core/failures.ts';
import {
  carFromDirectory,
  carFromFile,
  carFromUpload,
  nftFromForm,
} from '../../../core/prepare.ts';
import {
  carByteLength,
  checkFileList,
  deleteUpload as remove,
  renameUpload as rename,
  storeUpload,
} from '../../../core/uploads.ts';
import { recordMetric } from '../../../shared/metrics.ts';
import { bodyBytes } from '../../body.ts';
import { authorizeAlongside, authorizeRequest, contentIdOf, type WriteDeps } from '../../deps.ts';
import { type FilePart, type FormData, parseMultipart } from '../../multipart.ts';
import { okBody } from '../../response.ts';
import { type ApiRequest, implementer } from '../../router.ts';

const write = implementer<WriteDeps>();

export const uploadWriteRoutes = [
  write(upload, async ({ headers }, context) => {
    const { request, deps } = context;
    const [principal, prepared] = await authorizeAlongside(context, () =>
      prepareUpload(request, deps.settings.MAX_INLINE_UPLOAD_BYTES),
    );
    const value = await storeUpload(
      { principal, ...prepared, name: uploadName(headers['x-name']) },
      deps.ports,
    );
    recordMetric('UploadBytes', carByteLength(prepared.car.bytes));
    return { status: 200, body: okBody(value) };
  }),

  write(store, async ({ headers }, context) => {
    const { request, deps } = context;
    const principal = await authorizeRequest(context);
    const contentType = request.headers['content-type'] ?? '';
    if (!isMultipart(contentType)) {
      throw new FailureError(
        failure.invalidRequest('content-type should be `multipart/form-data`'),
      );
    }
    const form = await parseMultipart(
      contentType,
      bodyBytes(request, deps.settings.MAX_INLINE_UPLOAD_BYTES),
    );
    const meta = form.fields.get('meta');
    if (meta === undefined) {
      throw new FailureError(failure.invalidRequest('missing `meta` in multipart'));
    }
    const stray = [...form.fields.keys()].find((field) => field !== 'meta');
    if (stray) {
      throw new FailureError(failure.invalidRequest(`expected File part: "${quote(stray)}"`));
    }
    const files = listed(form.files);
    const nft = expectOk(await nftFromForm(meta, form.files));
    await storeUpload(
      { principal, car: nft.car, name: uploadName(headers['x-name']), type: 'nft', files },
      deps.ports,
    );
    recordMetric('UploadBytes', carByteLength(nft.car.bytes));
    const ipnft = nft.car.root.toString();
    return {
      status: 200,
      body: okBody({ ipnft, url: `ipfs://${ipnft}/metadata.json`, data: nft.data }),
    };
  }),

  write(renameUpload, async ({ params, body }, context) => {
    const principal = await authorizeRequest(context);
    const id = contentIdOf(params.cid);
    const value = expectOk(await rename(principal, id, body.name, context.deps.ports));
    return { status: 200, body: okBody(value) };
  }),

  write(deleteUpload, async ({ params }, context) => {
    const principal = await authorizeRequest(context);
    const { ports, settings } = context.deps;
    expectOk(await remove(principal, contentIdOf(params.cid), ports, settings));
    return { status: 202, body: { ok: true as const } };
  }),
];

/** The CAR and upload details of a POST /upload body, in any of its three modes. */
async function prepareUpload(request: ApiRequest, maxBytes: number) {
  const contentType = request.headers['content-type'] ?? '';
  const body = bodyBytes(request, maxBytes);
  if (isMultipart(contentType)) {
    const files = fileParts(await parseMultipart(contentType, body));
    const list = listed(files);
    return { car: expectOk(await carFromDirectory(files)), type: 'directory', files: list };
  }
  if (body.length === 0) throw new FailureError(failure.invalidRequest('empty payload'));
  const type = mediaType(contentType);
  const isCar = CAR_TYPES.has(type);
  if (type.length > MAX_TYPE_LENGTH) {
    throw new FailureError(
      failure.invalidRequest(`content-type is longer than ${MAX_TYPE_LENGTH} characters`),
    );
  }
  return {
    car: expectOk(isCar ? await carFromUpload(body) : await carFromFile(body)),
    type: isCar ? 'application/car' : type,
    files: [],
  };
}

/** Media types of a CAR upload: nft.storage's and the registered one. */
const CAR_TYPES = new Set(['application/car', 'application/vnd.ipld.car']);
/** Longest media type recorded as an upload's `type`. */
const MAX_TYPE_LENGTH = 255;

const isMultipart = (contentType: string) => mediaType(contentType) === 'multipart/form-data';

/**
 * `x-name` is URI-encoded (the contract admits only values that decode); without it the
 * upload keeps (or gets) its default name.
 */
function uploadName(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const name = decodeURIComponent(header);
  if (name.length > MAX_NAME_LENGTH) {
    throw new FailureError(
      failure.invalidRequest(`x-name is longer than ${MAX_NAME_LENGTH} characters`),
    );
  }
  return name;
}

/** The file list an upload records, refused before any work if no answer could carry it. */
function listed(parts: readonly FilePart[]) {
  const files = parts.map((part) => ({ name: part.name, type: part.type }));
  expectOk(checkFileList(files));
  return files;
}

function fileParts(form: FormData) {
  if (form.fields.has('file')) {
    throw new FailureError(
      failure.invalidRequest('multipart part "file" must be a file with a filename'),
    );
  }
  const files = form.files.filter((part) => part.field === 'file');
  if (files.length === 0) {
    throw new FailureError(failure.invalidRequest('multipart body has no "file" parts'));
  }
  return files;
}

/** `Type/Subtype; params` -> `type/subtype`: media types are case-insensitive. */
function mediaType(contentType: string): string {
  return contentType.split(';')[0]?.trim().toLowerCase() ?? '';
}
