// The maas CLI's wire encoding and its reading of describe/, ported from maascli/apiclient
// (see tools/clients/maascli/README.md, which cites each function) so that a test can replay
// a CLI session byte for byte without Python.
import { randomBytes } from 'node:crypto';

/** httplib2 0.20.4's user agent; the CLI sends whatever its httplib2 says. */
export const HTTPLIB2_USER_AGENT = 'Python-httplib2/0.20.4 (gzip)';

/** Python's `urllib.parse.quote(s, safe)`: only letters, digits, `_.-~` and `safe` stay as they are. */
export function pythonQuote(text: string, safe = '/'): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out +=
      /[A-Za-z0-9_.\-~]/.test(c) || (byte < 0x80 && safe.includes(c))
        ? c
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `apiclient.utils.urlencode`: quote_plus on names and values, joined with `&`, order and repeats kept. */
export function queryEncode(pairs: readonly (readonly [string, string])[]): string {
  const plus = (s: string): string => pythonQuote(s, ' ').replace(/ /g, '+');
  return pairs.map(([k, v]) => `${plus(k)}=${plus(v)}`).join('&');
}

export interface ApiCredentials {
  readonly consumerKey: string;
  readonly tokenKey: string;
  readonly tokenSecret: string;
}

/** `apiclient.creds.convert_string_to_tuple`: exactly three colon-separated items. */
export function parseApiKey(key: string): ApiCredentials {
  const parts = key.split(':');
  if (parts.length !== 3)
    throw new Error(`Malformed credentials string.  Expected 3 colon-separated items, got '${key}'.`);
  const [consumerKey = '', tokenKey = '', tokenSecret = ''] = parts;
  return { consumerKey, tokenKey, tokenSecret };
}

/**
 * The Authorization header oauthlib 3.2.2 makes for `Client(ck, resource_owner_key=tk,
 * resource_owner_secret=ts, signature_method=PLAINTEXT).sign(uri)`: this parameter order, no
 * realm, each value `utils.escape`d (so the signature `&TS` goes out as `%26TS`).
 */
export function oauthlibAuthorization(creds: ApiCredentials, now = Math.floor(Date.now() / 1000)): string {
  const escape = (s: string): string => pythonQuote(s, '~');
  const timestamp = String(now);
  // oauthlib's generate_nonce(): a 64-bit random number followed by the timestamp, in decimal.
  const nonce = randomBytes(8).readBigUInt64BE().toString() + timestamp;
  const signature = `${escape('')}&${escape(creds.tokenSecret)}`;
  const params: [string, string][] = [
    ['oauth_nonce', nonce],
    ['oauth_timestamp', timestamp],
    ['oauth_version', '1.0'],
    ['oauth_signature_method', 'PLAINTEXT'],
    ['oauth_consumer_key', creds.consumerKey],
    ['oauth_token', creds.tokenKey],
    ['oauth_signature', signature],
  ];
  return `OAuth ${params.map(([k, v]) => `${k}="${escape(v)}"`).join(', ')}`;
}

/** Python's email boundary: 15 `=`, a zero-padded random below sys.maxsize (19 digits), `==`. */
export function emailBoundary(): string {
  const token = randomBytes(8).readBigUInt64BE() % (2n ** 63n - 1n);
  return `${'='.repeat(15)}${token.toString().padStart(19, '0')}==`;
}

export interface MultipartMessage {
  /** The outer message's headers, which the CLI sends as HTTP headers, in this order. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

/**
 * `apiclient.multipart.encode_multipart_message(build_multipart_message(data))` for
 * `key=value` arguments: a MIMEMultipart("form-data") flattened without its own headers,
 * CRLF line ends, every part base64 (76-column lines) with the part headers in the order
 * MIMEApplication + set_type leave them, no CRLF after the closing delimiter.
 */
export function maascliMultipart(
  pairs: readonly (readonly [string, string])[],
  boundary = emailBoundary(),
): MultipartMessage {
  const parts = pairs.map(([name, value]) => {
    const encoded = Buffer.from(value, 'utf8').toString('base64');
    const lines = encoded.match(/.{1,76}/g) ?? [];
    return (
      `--${boundary}\r\n` +
      'Content-Transfer-Encoding: base64\r\n' +
      `Content-Disposition: form-data; name="${name}"\r\n` +
      'MIME-Version: 1.0\r\n' +
      'Content-Type: text/plain; charset="utf-8"\r\n' +
      '\r\n' +
      lines.map((line) => `${line}\r\n`).join('')
    );
  });
  const body = Buffer.from(`${parts.join('\r\n')}\r\n--${boundary}--`, 'ascii');
  return {
    headers: [
      ['Content-Type', `multipart/form-data; boundary="${boundary}"`],
      ['MIME-Version', '1.0'],
      ['Content-Length', String(body.length)],
    ],
    body,
  };
}

/**
 * One request as httplib2 + http.client write it: request line, `Host`, `Content-Length: 0`
 * for a POST/PUT without a body (http.client adds it), the given headers lower-cased, then
 * httplib2's user-agent and accept-encoding.
 */
export function httplib2Request(
  method: string,
  url: URL,
  headers: readonly (readonly [string, string])[],
  body?: Buffer,
): Buffer {
  const lines = [`${method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`];
  const hasLength = headers.some(([name]) => name.toLowerCase() === 'content-length');
  if (!hasLength && body === undefined && ['POST', 'PUT', 'PATCH'].includes(method))
    lines.push('Content-Length: 0');
  for (const [name, value] of headers) lines.push(`${name.toLowerCase()}: ${value}`);
  lines.push(`user-agent: ${HTTPLIB2_USER_AGENT}`, 'accept-encoding: gzip, deflate');
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return body ? Buffer.concat([head, body]) : head;
}
