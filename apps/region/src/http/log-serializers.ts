import type { FastifyRequest } from 'fastify';

/** A URL as logged: the OAuth signature (the token secret in PLAINTEXT) never reaches a log. */
export function redactUrl(url: string): string {
  // Match the key however it is percent-encoded (`oauth%5Fsignature` is the same parameter).
  return url.replace(/([?&;](?:[^=&;]*?))=([^&;]*)/g, (whole, key: string) => {
    let name = key.slice(1);
    try {
      name = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // keep the raw name
    }
    return name.toLowerCase() === 'oauth_signature' ? `${key}=[redacted]` : whole;
  });
}

/** How requests appear in logs (Fastify's fields, with the URL redacted). */
export function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket.remotePort,
  };
}
