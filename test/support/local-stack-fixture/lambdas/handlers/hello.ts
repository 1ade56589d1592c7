/** A handler module for the local stack's module-loading tests; reads config at load time. */
const tableAtLoad = process.env.TABLE_NAME;

export const handler = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ hello: 'world', tableAtLoad }),
});
