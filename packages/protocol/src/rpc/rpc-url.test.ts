import { describe, expect, it } from 'vitest';
import { rpcUrlFor } from './rpc-url.js';

describe(rpcUrlFor, () => {
  it.each([
    ['http://region:5240/MAAS', 'ws://region:5240/MAAS/rpc/'],
    ['http://region:5240/MAAS/', 'ws://region:5240/MAAS/rpc/'],
    ['http://region:5240', 'ws://region:5240/MAAS/rpc/'],
    ['region:5240', 'ws://region:5240/MAAS/rpc/'],
    ['https://maas.example.com/MAAS/', 'wss://maas.example.com/MAAS/rpc/'],
    ['ws://10.0.0.1:5240/MAAS/rpc/', 'ws://10.0.0.1:5240/MAAS/rpc/'],
    ['wss://[fd00::1]:5443/MAAS/rpc', 'wss://[fd00::1]:5443/MAAS/rpc/'],
    ['http://proxy/region-a/MAAS', 'ws://proxy/region-a/MAAS/rpc/'],
  ])('turns %s into %s', (input, expected) => {
    expect(rpcUrlFor(input)).toEqual({ ok: true, url: expected });
  });

  it.each([
    ['', 'is empty'],
    ['ftp://region/MAAS', 'expected http://'],
    ['http://admin:pw@region/MAAS', 'no user or password'],
    ['http://region/MAAS?x=1', 'no query'],
    ['http://reg ion/', 'not a URL'],
  ])('refuses %j', (input, message) => {
    const result = rpcUrlFor(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(message);
  });
});
