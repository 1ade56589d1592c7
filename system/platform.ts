/**
 * Limits of the AWS services pinstack runs on, which its own bounds are derived from. The local
 * stack enforces the same numbers, so what works locally fits when deployed.
 */

/** Lambda's synchronous invocation payload limit, for the event and for a buffered result. */
export const LAMBDA_PAYLOAD_BYTES = 6_291_456;

/** API Gateway HTTP API refuses request bodies over 10 MB. */
export const API_GATEWAY_BODY_BYTES = 10 * 1024 * 1024;

/** API Gateway HTTP API refuses a request whose request line and header values exceed this. */
export const API_GATEWAY_HEADER_BYTES = 10_240;

/**
 * The most a streamed Lambda response (a Function URL in RESPONSE_STREAM mode) may carry; past
 * it Lambda ends the stream. After its first 6 MB a stream runs at most 2 MB/s.
 */
export const LAMBDA_STREAMED_RESPONSE_BYTES = 200 * 1024 * 1024;
/** S3 multipart uploads: every part but the last at least 5 MiB, at most 5 GiB, 10,000 parts. */
export const S3_MIN_PART_BYTES = 5 * 1024 ** 2;
export const S3_MAX_PART_BYTES = 5 * 1024 ** 3;
export const S3_MAX_PARTS = 10_000;
