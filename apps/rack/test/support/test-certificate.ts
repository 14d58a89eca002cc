import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '@ferrum/kit';

/** A self-signed certificate and its private key, PEM. */
export interface TestCertificate {
  readonly cert: string;
  readonly key: string;
}

/**
 * A fresh self-signed certificate (EC P-256, two days) from the `openssl` CLI, made in a
 * temporary directory that is removed again. Node cannot write X.509 certificates itself.
 * `altNames` are subjectAltName entries; the default covers 127.0.0.1, ::1 and localhost, so
 * that a client given this certificate as its CA accepts a loopback server presenting it.
 */
export async function makeTestCertificate(
  options: { readonly commonName?: string; readonly altNames?: readonly string[] } = {},
): Promise<TestCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'ferrum-cert-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    const altNames = options.altNames ?? ['IP:127.0.0.1', 'IP:::1', 'DNS:localhost'];
    const args = [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      `/CN=${options.commonName ?? 'ferrum test BMC'}`,
      ...(altNames.length > 0 ? ['-addext', `subjectAltName=${altNames.join(',')}`] : []),
    ];
    const result = await runCommand('openssl', args, { timeoutMs: 30_000 }).catch((error: unknown) => {
      throw new Error('the tests need the openssl CLI to make a certificate (Debian package openssl)', {
        cause: error,
      });
    });
    if (result.exitCode !== 0) throw new Error(`openssl req failed (${result.exitCode}): ${result.stderr}`);
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
