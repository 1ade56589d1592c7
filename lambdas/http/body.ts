/** Request bodies: base64 decoding and the inline size limit. */
import { payloadTooLargeMessage } from '../../contract/errors.ts';
import { FailureError, failure } from '../core/failures.ts';
import type { ApiRequest } from './router.ts';

export function bodyBytes(request: ApiRequest, maxBytes: number): Uint8Array {
  const { body, isBase64Encoded } = request.event;
  if (!body) return new Uint8Array();
  const bytes = isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (bytes.length > maxBytes) {
    throw new FailureError(failure.payloadTooLarge(payloadTooLargeMessage(maxBytes, bytes.length)));
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}
