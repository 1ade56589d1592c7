/** Backpressure for writers of Node streams (the Lambda response stream, an HTTP response). */

/**
 * Resolves when `stream` takes more after a write returned false, or rejects when it is gone
 * (closed or destroyed: the client went away). Whichever event comes first, both listeners
 * are removed, so a long stream does not pile them up.
 */
export async function drained(stream: NodeJS.WritableStream & { destroyed?: boolean }) {
  await new Promise<void>((resolve) => {
    const settle = () => {
      stream.off('drain', settle);
      stream.off('close', settle);
      resolve();
    };
    stream.on('drain', settle);
    stream.on('close', settle);
  });
  if (stream.destroyed) throw new Error('the stream closed before it took everything');
}
