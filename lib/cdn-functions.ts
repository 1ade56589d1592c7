/**
 * The code of the CloudFront Functions the stack deploys, built at synth from the wire contract
 * so the edge says exactly what the API would. Kept free of the CDK: the infra tests run this
 * code as CloudFront would, with a viewer-request event.
 */
import { payloadTooLargeMessage } from '../contract/errors.ts';
import { VIEWER_HOST_HEADER } from '../contract/provider.ts';
import type { ErrorCode } from '../contract/schema.ts';

/** Stands for the request's Content-Length inside the message; no limit can be this number. */
const BODY_BYTES_MARK = Number.MAX_SAFE_INTEGER;
const PAYLOAD_TOO_LARGE: ErrorCode = 'ERROR_PAYLOAD_TOO_LARGE';

/**
 * A viewer-request function (cloudfront-js-2.0) that answers a request declaring a body over
 * `limitBytes` with the nft.storage 413 envelope, the one the API and the local stack answer,
 * before API Gateway sees it (API Gateway would answer 413 `{"message":…}` above 10 MB and
 * Lambda a 500 between about 6 and 10 MB). Anything else passes unchanged. A body sent without
 * Content-Length (chunked) is left to the origin, which still refuses it past its own limits.
 */
export function payloadTooLargeFunctionCode(limitBytes: number): string {
  if (!Number.isSafeInteger(limitBytes) || limitBytes <= 0) {
    throw new Error(`the inline limit must be a positive integer, got ${limitBytes}`);
  }
  const envelope = JSON.stringify({
    ok: false,
    error: {
      code: PAYLOAD_TOO_LARGE,
      message: payloadTooLargeMessage(limitBytes, BODY_BYTES_MARK),
    },
  });
  const parts = envelope.split(String(BODY_BYTES_MARK));
  if (parts.length !== 2) throw new Error('the 413 message must quote the body size once');
  return [
    `var LIMIT = ${limitBytes};`,
    `var BEFORE = ${JSON.stringify(parts[0])};`,
    `var AFTER = ${JSON.stringify(parts[1])};`,
    'function handler(event) {',
    '  var request = event.request;',
    "  var length = request.headers['content-length'];",
    '  if (length && /^[0-9]{1,15}$/.test(length.value) && Number(length.value) > LIMIT) {',
    '    return {',
    '      statusCode: 413,',
    "      statusDescription: 'Payload Too Large',",
    "      headers: { 'content-type': { value: 'application/json;charset=UTF-8' } },",
    "      body: { encoding: 'text', data: BEFORE + Number(length.value) + AFTER },",
    '    };',
    '  }',
    '  return request;',
    '}',
    '',
  ].join('\n');
}

/**
 * A viewer-request function (cloudfront-js-2.0) for the gateway: copies the host the viewer
 * asked for into VIEWER_HOST_HEADER (replacing any the viewer sent), so the provider's routes
 * name the distribution's public address. Its own domain cannot be given to the function any
 * other way: the distribution depends on the function's URL.
 */
export function viewerHostFunctionCode(): string {
  return [
    'function handler(event) {',
    '  var request = event.request;',
    '  var host = request.headers.host;',
    `  if (host) request.headers[${JSON.stringify(VIEWER_HOST_HEADER)}] = { value: host.value };`,
    `  else delete request.headers[${JSON.stringify(VIEWER_HOST_HEADER)}];`,
    '  return request;',
    '}',
    '',
  ].join('\n');
}
