/**
 * Why an HTTP exchange got no usable answer, in the classes power drivers tell apart:
 * `connect` (refused, reset, no route), `timeout`, `dns` (the host name does not resolve),
 * `tls_untrusted` (the certificate is not trusted or not for that host), `tls` (any other
 * handshake failure), `too_large` (the body passed the limit), `protocol` (not HTTP, a bad
 * redirect).
 */
export type HttpTransportFailure =
  'connect' | 'timeout' | 'dns' | 'tls_untrusted' | 'tls' | 'too_large' | 'protocol';

/** An HTTP request that failed before a complete answer arrived. */
export class HttpTransportError extends Error {
  override readonly name = 'HttpTransportError';
  readonly kind: HttpTransportFailure;

  constructor(kind: HttpTransportFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}
