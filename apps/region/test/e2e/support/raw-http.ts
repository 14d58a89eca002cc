import { connect } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';

export interface RawHttpResponse {
  readonly status: number;
  readonly reason: string;
  /** Header names lower-cased (as httplib2 hands them to the maas CLI), in arrival order. */
  readonly headers: readonly (readonly [string, string])[];
  /** The body after undoing chunking and gzip/deflate, as httplib2 does. */
  readonly body: Buffer;
  header(name: string): string | undefined;
}

/**
 * Writes `request` byte for byte to a fresh TCP connection (httplib2 opens one per `Http()`)
 * and reads one HTTP/1.1 response. Content-Length and chunked bodies are supported, and a
 * body that runs to the end of the connection.
 */
export function rawHttpExchange(
  host: string,
  port: number,
  request: Buffer,
  timeoutMs = 15_000,
): Promise<RawHttpResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (error: Error | undefined, response?: RawHttpResponse): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (error) reject(error);
      else if (response) resolve(response);
    };
    socket.setTimeout(timeoutMs, () => {
      finish(
        new Error(
          `no complete HTTP response within ${timeoutMs} ms; received:\n${received.toString('latin1')}`,
        ),
      );
    });
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      try {
        const response = parseResponse(received, false);
        if (response) finish(undefined, response);
      } catch (error) {
        finish(error as Error);
      }
    });
    socket.on('end', () => {
      try {
        const response = parseResponse(received, true);
        finish(
          response
            ? undefined
            : new Error(`connection closed before a complete response:\n${received.toString('latin1')}`),
          response,
        );
      } catch (error) {
        finish(error as Error);
      }
    });
    socket.on('error', (error) => {
      finish(error);
    });
  });
}

/** The response in `data`, or undefined while it is incomplete. */
function parseResponse(data: Buffer, atEnd: boolean): RawHttpResponse | undefined {
  const headEnd = data.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine = '', ...headerLines] = data.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(statusLine);
  if (!status) throw new Error(`not an HTTP/1.x status line: ${JSON.stringify(statusLine)}`);
  const headers = headerLines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`malformed header line: ${JSON.stringify(line)}`);
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
  });
  const get = (name: string): string | undefined => headers.find(([n]) => n === name)?.[1];
  const code = Number(status[1]);
  let rest = data.subarray(headEnd + 4);
  let body: Buffer;
  if (code === 204 || code === 304 || (code >= 100 && code < 200)) {
    body = Buffer.alloc(0);
  } else if (get('transfer-encoding')?.toLowerCase() === 'chunked') {
    const chunks: Buffer[] = [];
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      if (lineEnd < 0) return undefined;
      const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
      if (Number.isNaN(size)) throw new Error('malformed chunk size');
      if (rest.length < lineEnd + 2 + size + 2) return undefined;
      if (size === 0) break;
      chunks.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      rest = rest.subarray(lineEnd + 2 + size + 2);
    }
    body = Buffer.concat(chunks);
  } else if (get('content-length') !== undefined) {
    const length = Number(get('content-length'));
    if (rest.length < length) return undefined;
    body = rest.subarray(0, length);
  } else {
    if (!atEnd) return undefined;
    body = rest;
  }
  const encoding = get('content-encoding')?.toLowerCase();
  if (encoding === 'gzip') body = gunzipSync(body);
  else if (encoding === 'deflate') body = inflateSync(body);
  return { status: code, reason: status[2] ?? '', headers, body, header: get };
}
