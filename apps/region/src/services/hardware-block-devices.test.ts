import { describe, expect, it } from 'vitest';
import { matchDisks, type DiskRecord, type RecordedDisk } from './hardware-block-devices.js';

function found(name: string, serial = '', idPath: string | null = null): DiskRecord {
  return {
    name,
    serial,
    idPath,
    size: 1e12,
    model: '',
    blockSize: 512,
    firmwareVersion: null,
    numaNode: 0,
    tags: ['ssd'],
  };
}

const recorded = (id: number, name: string, serial = '', idPath: string | null = null): RecordedDisk => ({
  id,
  name,
  serial,
  id_path: idPath,
});

describe(matchDisks, () => {
  it('keeps a disk that moved to another name by its id_path, then by its serial', () => {
    const match = matchDisks(
      [recorded(1, 'sda', 'A', '/dev/disk/by-id/wwn-A'), recorded(2, 'sdb', 'B', '/dev/disk/by-id/wwn-B')],
      [found('sda', 'B', '/dev/disk/by-id/wwn-B'), found('sdb', 'A', '/dev/disk/by-id/other-A')],
    );
    expect(match.updates.map((u) => [u.id, u.disk.name])).toEqual([
      [2, 'sda'],
      [1, 'sdb'],
    ]);
    expect(match.inserts).toEqual([]);
    expect(match.deletes).toEqual([]);
  });

  it('treats a disk swapped into the same slot as new, and the old one as gone', () => {
    const match = matchDisks(
      [recorded(1, 'sda', 'OLD', '/dev/disk/by-id/wwn-OLD')],
      [found('sda', 'NEW', '/dev/disk/by-id/wwn-NEW')],
    );
    expect(match.updates).toEqual([]);
    expect(match.inserts.map((d) => d.serial)).toEqual(['NEW']);
    expect(match.deletes).toEqual([1]);
  });

  it('matches disks without serials by name, each recorded disk at most once', () => {
    const match = matchDisks(
      [recorded(1, 'vda', '', '/dev/vda'), recorded(2, 'vdb')],
      [found('vdb'), found('vda', '', '/dev/vda'), found('vdc')],
    );
    expect(match.updates.map((u) => [u.id, u.disk.name])).toEqual([
      [2, 'vdb'],
      [1, 'vda'],
    ]);
    expect(match.inserts.map((d) => d.name)).toEqual(['vdc']);
    expect(match.deletes).toEqual([]);
  });
});
