/**
 * The building blocks every wire contract shares: zod (mini, so a function bundles only the
 * schemas it uses) configured once, named schemas that become OpenAPI components, and the
 * nft.storage envelopes.
 */

import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// Readable validation messages ("Too big: expected string to have <=1024 characters"); only
// this one locale is bundled.
z.config(en());

/**
 * Gives a schema its OpenAPI component name and description. Named schemas are referenced as
 * `#/components/schemas/<id>` wherever they appear in the document.
 */
export function named<S extends z.ZodMiniType>(id: string, description: string, schema: S): S {
  return schema.check(z.meta({ id, description })) as S;
}

/**
 * A description only. On a named schema it describes this use of it (the document shows a
 * `$ref` with its own description), so the component's id is not inherited.
 */
export function described<S extends z.ZodMiniType>(description: string, schema: S): S {
  return schema.check(z.meta({ description, id: undefined })) as S;
}

/**
 * The extension naming the setting a number may not exceed. The served document sets the
 * schema's `maximum` to that setting's value in the deployment (see `apiDocument`).
 */
export const LIMIT_SETTING = 'x-pinstack-limit';

/** Bounds a number by a deployment setting, stated in the document as `maximum`. */
export function limitedBy<S extends z.ZodMiniType>(setting: string, schema: S): S {
  return schema.check(z.meta({ [LIMIT_SETTING]: setting })) as S;
}

export const Cid = named(
  'Cid',
  'A CID string (CIDv0 `Qm...` or CIDv1, e.g. base32 `bafy...`)',
  z.string().check(z.minLength(1)),
);

export const DateTime = named('DateTime', 'ISO 8601 with offset', z.iso.datetime({ offset: true }));

/** Every error code the nft.storage-shaped routes answer with. */
export const ERROR_CODES = [
  'HTTP_ERROR',
  'ERROR_INVALID_CID',
  'ERROR_INVALID_CAR',
  'EXPECTED_BEARER_STRING',
  'ERROR_MALFORMED_TOKEN',
  'ERROR_TOKEN_NOT_FOUND',
  'ERROR_USER_NOT_FOUND',
  'ERROR_PAYLOAD_TOO_LARGE',
  'ERROR_RATE_LIMITED',
  'ERROR_INTERNAL',
  'ERROR_SERVICE_UNAVAILABLE',
  'ERROR_FORBIDDEN',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const ErrorCodeSchema = named(
  'ErrorCode',
  'Every error code this API answers with',
  z.enum(ERROR_CODES),
);

/** `{ok:true,value}`: the success envelope of most routes. */
export const okEnvelope = <S extends z.ZodMiniType>(id: string, description: string, value: S) =>
  named(id, description, z.object({ ok: z.literal(true), value }));

/** `{ok:false,error:{code,message}}` narrowed to the codes (and message) one response carries. */
export function errorEnvelope<const C extends readonly [ErrorCode, ...ErrorCode[]]>(
  id: string,
  description: string,
  codes: C,
  message: z.ZodMiniType<string> = z.string().check(z.minLength(1)),
) {
  const code =
    codes.length === 1
      ? z.literal(codes[0])
      : codes.length === ERROR_CODES.length
        ? ErrorCodeSchema
        : z.enum(codes);
  return named(
    id,
    description,
    z.object({ ok: z.literal(false), error: z.object({ code, message }) }),
  );
}

export type ErrorBody = { ok: false; error: { code: ErrorCode; message: string } };

/** The upload-name limit: `x-name`, rename bodies and staged-upload names. */
export const MAX_NAME_LENGTH = 1024;

/**
 * Not blank: a character that String.prototype.trim keeps. Spelled out (not `\S`) so that
 * regex engines other than JavaScript's read the document's pattern the same way.
 */
const NOT_BLANK = /[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;

/** A name as sent (at most MAX_NAME_LENGTH characters, not blank), stored trimmed. */
export const UploadName = z
  .string()
  .check(z.maxLength(MAX_NAME_LENGTH), z.regex(NOT_BLANK, 'must not be blank'), z.trim());

/** The generic error envelope: any error code (each response's *Error schema narrows it). */
export const ErrorEnvelope = errorEnvelope(
  'Error',
  'The error envelope; the *Error schemas narrow `code` per status',
  ERROR_CODES,
);
