import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTestCertificate } from '../../test/support/test-certificate.js';
import { httpRequest } from './http-client.js';
import { lazyTrust } from './http-trust.js';

describe(lazyTrust, () => {
  it('trusts the first readable system bundle, or extra certificates, and builds the context once', async () => {
    const certificate = await makeTestCertificate();
    const server = createServer({ key: certificate.key, cert: certificate.cert }, (_q, r) => r.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const dir = await mkdtemp(join(tmpdir(), 'ferrum-trust-'));
    try {
      const url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      const get = async (trust: ReturnType<typeof lazyTrust>): Promise<string> =>
        httpRequest({
          method: 'GET',
          url,
          timeoutMs: 2_000,
          signal: new AbortController().signal,
          verifyTls: true,
          trust: await trust(),
          maxBodyBytes: 100,
        }).then(
          (a) => a.body,
          (e: unknown) => (e as Error).message,
        );
      const bundle = join(dir, 'bundle.crt');
      await writeFile(bundle, certificate.cert);
      const fromBundle = lazyTrust({ bundlePaths: [join(dir, 'absent.crt'), bundle] });
      expect(await get(fromBundle)).toBe('ok');
      expect(await fromBundle()).toBe(await fromBundle());
      expect(await get(lazyTrust({ bundlePaths: [], caCertificates: [certificate.cert] }))).toBe('ok');
      // Only the first readable bundle counts; Node's own CAs do not know this certificate.
      const other = join(dir, 'other.crt');
      await writeFile(other, (await makeTestCertificate()).cert);
      expect(await get(lazyTrust({ bundlePaths: [other, bundle] }))).toBe('self-signed certificate');
    } finally {
      server.closeAllConnections();
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
