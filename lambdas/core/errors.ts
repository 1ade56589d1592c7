/**
 * The expected failures of the core, each with the nft.storage error code and HTTP status the
 * edge answers with. Anything not listed here is unexpected and becomes a generic 5xx.
 */
export interface ApiFailure {
  status: number;
  code: string;
  message: string;
  /** Extra response headers (e.g. Retry-After). */
  headers?: Record<string, string>;
}

const failure =
  (status: number, code: string) =>
  (message: string, headers?: Record<string, string>): ApiFailure => ({
    status,
    code,
    message,
    ...(headers ? { headers } : {}),
  });

export const failures = {
  expectedBearer: () =>
    failure(
      401,
      'EXPECTED_BEARER_STRING',
    )(
      'API Key is missing, make sure the `Authorization` header has a value in the following format `Bearer {api key}`.',
    ),
  malformedToken: () =>
    failure(401, 'ERROR_MALFORMED_TOKEN')('API Key is malformed or failed to parse.'),
  tokenNotFound: () => failure(401, 'ERROR_TOKEN_NOT_FOUND')('API Key not found.'),
  userNotFound: () => failure(401, 'ERROR_USER_NOT_FOUND')('User not found.'),
  rateLimited: (retryAfterSeconds: number) =>
    failure(429, 'ERROR_RATE_LIMITED')('You are being rate limited', {
      'retry-after': String(retryAfterSeconds),
    }),
  invalidCid: (cid: string) => failure(400, 'ERROR_INVALID_CID')(`Invalid CID: ${cid}`),
  invalidCar: (reason: string) =>
    failure(400, 'ERROR_INVALID_CAR')(`Invalid CAR file received: ${reason}`),
  badRequest: failure(400, 'HTTP_ERROR'),
  notFound: (message = 'NFT not found') => failure(404, 'HTTP_ERROR')(message),
  tooLarge: failure(413, 'ERROR_PAYLOAD_TOO_LARGE'),
  unavailable: failure(503, 'ERROR_SERVICE_UNAVAILABLE'),
} as const;
