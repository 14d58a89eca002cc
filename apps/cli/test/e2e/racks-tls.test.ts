// The region with a certificate: HTTPS on its port, the rack RPC over wss://. The all-in-one rack
// trusts exactly its region's certificate (it dials 127.0.0.1, which the certificate does not
// name); a second rack trusts it through FERRUM_RACK_CA_FILE, and without it is refused, saying why.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, fetch as undiciFetch } from 'undici';
import { createEmptyDatabase, type TestDatabase } from '../../../region/test/support/test-database.js';
import { oauthHeader } from '../../../region/test/support/oauth.js';
import { ferrum, freePort, opsApiKey, startFerrum, startServer, type RunningServer } from './cli-process.js';

let database: TestDatabase;
let dir: string;
let certFile: string;
let regionEnv: NodeJS.ProcessEnv;
let region: RunningServer;
let apiKey: string;
let port: number;

beforeAll(async () => {
  database = await createEmptyDatabase();
  dir = await mkdtemp(join(tmpdir(), 'ferrum-tls-'));
  certFile = join(dir, 'region.pem');
  const keyFile = join(dir, 'region.key');
  // A self-signed certificate for "localhost" only: not for 127.0.0.1.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  port = await freePort();
  regionEnv = {
    DATABASE_URL: database.url,
    FERRUM_DATA_DIR: join(dir, 'region'),
    FERRUM_HTTP_PORT: String(port),
    FERRUM_BIND_ADDRESS: '127.0.0.1',
    FERRUM_TLS_CERT_FILE: certFile,
    FERRUM_TLS_KEY_FILE: keyFile,
  };
  apiKey = opsApiKey(regionEnv);
  region = await startServer(regionEnv);
}, 120_000);

afterAll(async () => {
  region.child.kill('SIGTERM');
  await region.exited;
  await database.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('a region with a certificate', () => {
  it('serves the API over HTTPS, and its own rack over wss:// on loopback', async () => {
    expect(region.url).toMatch(/^https:\/\/127\.0\.0\.1:/);
    const { readFileSync } = await import('node:fs');
    const dispatcher = new Agent({ connect: { ca: readFileSync(certFile), servername: 'localhost' } });
    const response = await undiciFetch(`https://localhost:${String(port)}/MAAS/api/2.0/rackcontrollers/`, {
      headers: { authorization: oauthHeader(apiKey) },
      dispatcher,
    });
    expect(response.status).toBe(200);
    const racks = (await response.json()) as { service_set: { name: string; status: string }[] }[];
    expect(racks).toHaveLength(1);
    expect(racks[0]?.service_set.find((s) => s.name === 'rackd')?.status).toBe('running');
    await dispatcher.close();
  });

  it('refuses a rack that does not trust the certificate, and takes one that does', async () => {
    const secret = ferrum(['rack', 'secret'], regionEnv).stdout.trim();
    const url = `https://localhost:${String(port)}/MAAS/`;
    const rackEnv = { FERRUM_DATA_DIR: join(dir, 'rack-two') };
    const untrusted = ferrum(
      ['rack', 'register', '--url', url, '--secret', secret, '--name', 'tls-two'],
      rackEnv,
    );
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.stderr).toMatch(/TLS certificate is not trusted.*FERRUM_RACK_CA_FILE/);
    const trusting = { ...rackEnv, FERRUM_RACK_CA_FILE: certFile };
    const registered = ferrum(
      ['rack', 'register', '--url', url, '--secret', secret, '--name', 'tls-two'],
      trusting,
    );
    expect(registered.code, registered.stderr).toBe(0);
    const rack = await startFerrum(['rack', 'start'], trusting, /(connected to the region)/, 30_000);
    try {
      expect(rack.output()).toContain('wss://localhost');
    } finally {
      rack.child.kill('SIGTERM');
      expect(await rack.exited).toBe(0);
    }
  });

  it('refuses a certificate without its key, at start', () => {
    const result = ferrum(['start'], { ...regionEnv, FERRUM_TLS_KEY_FILE: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('FERRUM_TLS_KEY_FILE: must be set with FERRUM_TLS_CERT_FILE');
  });
});
