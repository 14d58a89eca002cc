import { Buffer } from 'node:buffer';
import type { IncomingMessage } from 'node:http';

/** A request body read whole, or how many bytes it had when that was more than the limit. */
export type BodyRead =
  { readonly ok: true; readonly text: string } | { readonly ok: false; readonly bytes: number };

/**
 * Reads a request's body as UTF-8 up to `limit` bytes. A longer body is drained without being
 * kept, so its sender still gets the answer rather than a reset in mid-send; past `hardLimit`
 * the connection is dropped (nothing honest sends that much to a BMC).
 */
export function readBody(request: IncomingMessage, limit: number, hardLimit = 16 * limit): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= limit) chunks.push(chunk);
      else if (bytes > hardLimit) request.destroy();
    });
    request.on('end', () => {
      resolve(
        bytes <= limit ? { ok: true, text: Buffer.concat(chunks).toString('utf8') } : { ok: false, bytes },
      );
    });
    request.on('error', reject);
    request.on('close', () => {
      if (!request.complete) reject(new Error('the request was cut short'));
    });
  });
}
