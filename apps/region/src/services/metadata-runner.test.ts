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

  it("passes a script's parameters as MAAS's runner does: true booleans, values by argument_format, not 'all'", () => {
    const entry = {
      name: 'wipe-disks',
      parameters: {
        secure_erase: { type: 'boolean', value: 'true', argument_format: '--secure-erase' },
        quick_erase: { type: 'boolean', value: 'false', argument_format: '--quick-erase' },
        runtime: { type: 'runtime', value: '600', argument_format: '--runtime {input}' },
        storage: { type: 'storage', value: 'all' },
        disk: { type: 'storage', value: { name: 'sda', id_path: '/dev/disk/by-id/wwn-1' } },
        nic: { type: 'interface', value: 'eth0', argument_format: '--nic={name}' },
        url: { type: 'url', value: 'http://mirror/' },
        odd: { type: 'string', value: 'x', argument_format: '--odd={nothing}' },
        weird: { type: 'string', value: 'y', argument_format: '--weird={input.attr}' },
        unset: { type: 'string' },
      },
    };
    const args = execFileSync(
      'python3',
      [
        '-c',
        'import json, sys; src=sys.stdin.read(); ns={"__name__": "x"}; exec(src, ns); ' +
          `print(json.dumps(ns["arguments"](json.loads(${JSON.stringify(JSON.stringify(entry))}))))`,
      ],
      { input: script, encoding: 'utf8' },
    );
    expect(JSON.parse(args)).toEqual([
      '--storage=/dev/disk/by-id/wwn-1',
      '--nic=eth0',
      '--odd={nothing}',
      '--runtime',
      '600',
      '--secure-erase',
      '--url=http://mirror/',
      '--weird={input.attr}',
    ]);
  });

  it('runs a script with its arguments, signalling a heartbeat while it runs and its result after', () => {
    // run() for real on a script that takes a while, with signal() recording instead of posting.
    const driver = String.raw`
import json, os, sys, tempfile
src = sys.stdin.read(); ns = {"__name__": "x"}; exec(src, ns)
sent = []
ns["signal"] = lambda status, files=None, attempts=8, timeout=120, **fields: sent.append([status, fields.get("name"), fields.get("exit_status"), sorted((files or {}).keys()), (files or {}).get("slow.out", b"").decode()])
ns["HEARTBEAT_SECONDS"] = 0.1
root = tempfile.mkdtemp()
with open(os.path.join(root, "slow"), "w") as f:
    f.write("#!/bin/sh\nsleep 0.8\necho \"args: $*\"\n")
failed = ns["run"](root, [{"name": "slow", "path": "slow", "script_result_id": 7,
    "parameters": {"quick": {"type": "boolean", "value": True, "argument_format": "--quick"}}}])
print(json.dumps({"failed": failed, "sent": sent}))
`;
    const out = JSON.parse(execFileSync('python3', ['-c', driver], { input: script, encoding: 'utf8' })) as {
      failed: boolean;
      sent: [string, string | null, number | null, string[], string][];
    };
    expect(out.failed).toBe(false);
    const [start, ...rest] = out.sent;
    const result = rest.pop();
    expect(start).toEqual(['WORKING', 'slow', null, [], '']);
    expect(result).toEqual(['WORKING', 'slow', 0, ['slow', 'slow.err', 'slow.out'], 'args: --quick\n']);
    // Heartbeats: bare WORKING signals, about one each 0.1 s of the script's 0.8 s.
    expect(rest.length).toBeGreaterThanOrEqual(2);
    for (const beat of rest) expect(beat).toEqual(['WORKING', null, null, [], '']);
  });
});
