/**
 * The bounds on what a client may send, part of the wire contract: the core enforces them and
 * the OpenAPI document quotes them, so both always say the same.
 */

/** Files one directory upload may hold (what a 10k NFT collection's metadata needs). */
export const MAX_DIRECTORY_FILES = 10_000;
/** Longest path segment, in UTF-8 bytes: what IPFS implementations take as a link name. */
export const MAX_SEGMENT_BYTES = 255;
/** Longest path of a file inside a directory upload, in UTF-8 bytes. */
export const MAX_PATH_BYTES = 1024;
/**
 * Most bytes one upload's file list may take in an answer: POST /upload, GET /{cid} and GET /
 * all show it, so a longer one could be stored but never answered.
 */
export const MAX_FILE_LIST_ANSWER_BYTES = 4_000_000;
/** Deepest nesting of objects and arrays `/store` metadata may have. */
export const MAX_META_DEPTH = 64;
/** Longest CID string accepted (a parameter, a CAR root): identity CIDs could be any length. */
export const MAX_CID_LENGTH = 512;
/** nft.storage's per-block limit, also what IPFS clients accept over bitswap. */
export const MAX_BLOCK_BYTES = 2 * 1024 * 1024;
/** Part URLs one staged-upload request hands out (a page: ask again for the next ones). */
export const MAX_PART_URLS_PER_REQUEST = 1000;
/** Part URLs a new multipart staged upload comes with. */
export const FIRST_PART_URLS = 100;
