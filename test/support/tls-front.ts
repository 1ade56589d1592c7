/**
 * A local TLS + HTTP/2 front for the gateway, as CloudFront is in a deployment: clients that
 * fetch blocks over HTTP only from `https` providers speaking HTTP/2 (Kubo's HTTP retrieval)
 * reach the local gateway through it. Its certificate is made for 127.0.0.1 on each start.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createSecureServer, type IncomingHttpHeaders } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsFront {
  url: string;
  /** `<method> <path> <HTTP version>` of every request it relayed, in order. */
  requests: string[];
  stop(): Promise<void>;
}

/** Hop-by-hop and HTTP/2 pseudo headers: not forwarded either way. */
const DROPPED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host']);

export async function startTlsFront(upstream: string, port: number): Promise<TlsFront> {
  const dir = await mkdtemp(join(tmpdir(), 'pinstack-tls-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  const target = new URL(upstream);
  const requests: string[] = [];
  const server = createSecureServer(
    { key: await readFile(key), cert: await readFile(cert), allowHTTP1: true },
    (req, res) => {
      requests.push(`${req.method} ${req.url} HTTP/${req.httpVersion}`);
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(req.headers as IncomingHttpHeaders)) {
        if (name.startsWith(':') || DROPPED.has(name) || value === undefined) continue;
        headers[name] = value;
      }
      const forwarded = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers,
        },
        (answer) => {
          const out: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(answer.headers)) {
            if (DROPPED.has(name) || value === undefined) continue;
            out[name] = value;
          }
          res.writeHead(answer.statusCode ?? 502, out);
          answer.pipe(res);
        },
      );
      forwarded.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(forwarded);
    },
  );
  const sessions = new Set<{ destroy(): void }>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    async stop() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const session of sessions) session.destroy();
      await closed;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
