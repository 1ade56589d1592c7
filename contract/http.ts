/** What the API origin answers outside any route: CORS, and a path no route matches. */
export const CORS_METHODS = 'GET,POST,DELETE,PATCH,OPTIONS';
export const CORS_EXPOSED_HEADERS = 'Link, Retry-After, X-Next-Cursor';
export const NOT_CORS_MESSAGE = 'Non CORS options request not allowed';
/** Plain-text body of a path no route matches (as nft.storage answered). */
export const NO_ROUTE_MESSAGE = 'not found';
