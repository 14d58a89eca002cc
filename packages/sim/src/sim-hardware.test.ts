import { describe, expect, it } from 'vitest';
import { simHardware, simProfileNames } from './sim-hardware.js';

interface Doc {
  api_version: string;
  api_extensions: string[];
  resources: {
    cpu: { total: number; sockets: { cores: { threads: unknown[] }[] }[] };
    memory: { total: number; nodes: { total: number }[] };
    storage: { disks: { serial: string; size: number }[] };
    network: { cards: { ports: { address: string }[] }[] };
    system: { serial: string };
  };
}

describe(simHardware, () => {
  it('makes the same machine from the same index and seed, and another from another seed', () => {
    expect(simHardware(3, 7)).toEqual(simHardware(3, 7));
    expect((simHardware(3, 8).document as Doc).resources.system.serial).not.toBe(
      (simHardware(3, 7).document as Doc).resources.system.serial,
    );
  });

  it('writes a resources document whose figures agree with themselves', () => {
    for (let i = 0; i < simProfileNames.length; i++) {
      const { macs, document } = simHardware(i);
      const doc = document as Doc;
      expect(doc.api_version).toBe('1.0');
      expect(doc.api_extensions).toContain('resources_v2');
      const threads = doc.resources.cpu.sockets.flatMap((s) => s.cores.flatMap((c) => c.threads)).length;
      expect(doc.resources.cpu.total).toBe(threads);
      expect(doc.resources.memory.total).toBe(doc.resources.memory.nodes.reduce((s, n) => s + n.total, 0));
      expect(doc.resources.network.cards.map((c) => c.ports[0]?.address)).toEqual(macs);
      expect(doc.resources.storage.disks.length).toBeGreaterThan(0);
    }
  });

  it('gives every machine MACs and disk serials of its own', () => {
    const macs = new Set<string>();
    const serials = new Set<string>();
    let count = 0;
    for (let i = 0; i < 2000; i++) {
      const { macs: m, document } = simHardware(i);
      for (const mac of m) macs.add(mac);
      for (const disk of (document as Doc).resources.storage.disks) serials.add(disk.serial);
      count += m.length;
    }
    expect(macs.size).toBe(count);
    expect(serials.size).toBeGreaterThan(2000 * 2);
  });
});
