import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { scriptRunner } from './metadata-runner.js';

describe(scriptRunner, () => {
  const script = scriptRunner({
    metadataUrl: 'http://region:5240/MAAS/metadata/',
    credentials: { consumerKey: 'ck"1', tokenKey: 'tk', tokenSecret: 's\\ecret' },
    status: 'COMMISSIONING',
  });

  it('is a Python script cloud-init runs', () => {
    expect(script.startsWith('#!/usr/bin/env python3\n')).toBe(true);
  });

  it('compiles, with the credentials as literal strings whatever they hold', () => {
    // Loaded as a module (not run): its functions are defined and its constants readable.
    const creds = execFileSync(
      'python3',
      [
        '-c',
        'import sys; src=sys.stdin.read(); ns={"__name__": "x"}; exec(src, ns); print(ns["CREDS"][0] + "|" + ns["CREDS"][2] + "|" + ns["URL"])',
      ],
      { input: script, encoding: 'utf8' },
    );
    expect(creds.trim()).toBe('ck"1|s\\ecret|http://region:5240/MAAS/metadata/');
  });
});
