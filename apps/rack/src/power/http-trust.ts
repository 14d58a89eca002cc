import { readFile } from 'node:fs/promises';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

/**
 * Where distributions keep the system's CA bundle (Debian/Ubuntu's `update-ca-certificates`
 * output first). Node verifies against its own bundled Mozilla list unless told otherwise, so
 * an operator who installed a BMC's CA the usual way would not be heard without reading these.
 */
export const systemCaBundles: readonly string[] = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/ssl/cert.pem',
];

/** What a driver verifies BMC certificates against when `power_verify_ssl` is `y`. */
export interface TrustOptions {
  /** Extra trusted CA certificates (PEM), e.g. from the rack's configuration. */
  readonly caCertificates?: readonly string[];
  /** CA bundles tried in order; the first that can be read is used. Default: `systemCaBundles`. */
  readonly bundlePaths?: readonly string[];
}

/**
 * A loader of the TLS context that trusts Node's bundled CAs, the system's CA bundle and any
 * extra certificates. Built on first use and kept: a context with a few hundred CAs costs
 * milliseconds to build, too much for every request.
 */
export function lazyTrust(options: TrustOptions = {}): () => Promise<SecureContext> {
  let context: Promise<SecureContext> | undefined;
  return () => (context ??= buildTrust(options));
}

async function buildTrust(options: TrustOptions): Promise<SecureContext> {
  const ca: string[] = [...rootCertificates];
  for (const path of options.bundlePaths ?? systemCaBundles) {
    const bundle = await readFile(path, 'utf8').catch(() => undefined);
    if (bundle !== undefined) {
      ca.push(bundle);
      break;
    }
  }
  ca.push(...(options.caCertificates ?? []));
  return createSecureContext({ ca });
}
