/** Starting and stopping the local stack's HTTP servers, all in one way. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  /** `http://<host>:<port>`, the port the server got (0 asks for a free one). */
  url: string;
  /** Stops taking connections, closes the idle ones and waits for the busy ones to finish. */
  stop(): Promise<void>;
}

export async function listenOn(server: Server, host: string, port: number): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${bound}`,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
    },
  };
}
