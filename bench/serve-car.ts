/**
 * A trustless gateway for the pin-by-CID benchmark, in its own process (as a real one would
 * be): `GET /ipfs/<root>?format=car` streams the CAR file it was given; anything else is 404.
 *
 *   node bench/serve-car.ts <car file> <root cid>     prints `ready <url>` once listening
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const [file, root] = process.argv.slice(2);
if (!file || !root) throw new Error('usage: node bench/serve-car.ts <car file> <root cid>');
const { size } = await stat(file);
const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://gateway');
  if (url.pathname !== `/ipfs/${root}` || url.searchParams.get('format') !== 'car') {
    response.writeHead(404).end('not found');
    return;
  }
  response.writeHead(200, {
    'content-type': 'application/vnd.ipld.car; version=1; order=dfs; dups=n',
    'content-length': String(size),
  });
  createReadStream(file, { highWaterMark: 256 * 1024 }).pipe(response);
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`ready http://127.0.0.1:${port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
