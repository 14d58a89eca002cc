import type { FastifyRequest } from 'fastify';

/** A URL as logged: the OAuth signature (the token secret in PLAINTEXT) never reaches a log. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]oauth_signature=)[^&]*/gi, '$1[redacted]');
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
