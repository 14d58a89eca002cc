import { describe, expect, it } from 'vitest';
import { AppError } from '../app-error.js';
import {
  allocationRank,
  chooseSmallest,
  compareBySize,
  describeConstraints,
  matchCandidate,
  parseAllocationConstraints,
  type AllocationCandidate,
} from './allocation-constraints.js';

const GB = 1000 ** 3;

function parse(params: Record<string, string | readonly string[]>) {
  const normalised: Record<string, readonly string[]> = {};
  for (const [key, value] of Object.entries(params))
    normalised[key] = typeof value === 'string' ? [value] : value;
  return parseAllocationConstraints(normalised);
}

function fieldErrors(params: Record<string, string | readonly string[]>): Record<string, readonly string[]> {
  try {
    parse(params);
  } catch (error) {
    if (error instanceof AppError && error.code === 'validation_failed') return { ...error.details.fields };
    throw error;
  }
  throw new Error('expected a validation error');
}

function machine(overrides: Partial<AllocationCandidate> = {}): AllocationCandidate {
  return {
    id: 1,
    systemId: 'abc123',
    hostname: 'fresh-cod',
    fqdn: 'fresh-cod.maas',
    architecture: 'amd64/generic',
    cpuCount: 4,
    memoryMib: 8192,
    tags: ['virtual'],
    zone: 'default',
    pool: 'default',
    blockDevices: [{ id: 10, sizeBytes: 100 * GB, tags: ['ssd'] }],
    ...overrides,
  };
}

describe(parseAllocationConstraints, () => {
  it.each([
    ['no parameters', {}, {}],
    ['a name', { name: 'fresh-cod.maas' }, { names: ['fresh-cod.maas'] }],
    ['repeated system ids', { system_id: ['a', 'b'] }, { systemIds: ['a', 'b'] }],
    ['repeated arches', { arch: ['amd64', 'arm64/generic'] }, { arches: ['amd64', 'arm64/generic'] }],
    ['a float cpu count', { cpu_count: '2.0' }, { minCpuCount: 2 }],
    ['the least of repeated cpu counts', { cpu_count: ['8', '4'] }, { minCpuCount: 4 }],
    ['memory in MiB with a fraction', { mem: ' 1024.5 ' }, { minMemoryMib: 1024.5 }],
    [
      'tags repeated and in comma or space lists',
      { tags: ['a,b', 'c d', 'a'] },
      { tags: ['a', 'b', 'c', 'd'] },
    ],
    ['not_tags as a list', { not_tags: 'x, y' }, { notTags: ['x', 'y'] }],
    [
      'zones with spaces, split on commas',
      { zone: 'rack 1', not_in_zone: ['a,b', 'c'] },
      { zones: ['rack 1'], notInZones: ['a', 'b', 'c'] },
    ],
    ['pools', { pool: 'gpu', not_in_pool: 'spare' }, { pools: ['gpu'], notInPools: ['spare'] }],
    ['agent name and comment', { agent_name: 'juju', comment: 'why' }, { agentName: 'juju', comment: 'why' }],
    ['dry_run and verbose words', { dry_run: 'YES', verbose: '0' }, { dryRun: true, verbose: false }],
    ['dry_run true', { dry_run: 'true' }, { dryRun: true }],
    [
      'empty values as absent',
      { cpu_count: '', tags: '', zone: '', dry_run: '' },
      { tags: [], zones: [], dryRun: false },
    ],
  ])('parses %s', (_, params, expected) => {
    expect(parse(params)).toMatchObject(expected);
  });

  it.each([
    [
      'labelled entries with tags',
      'root:10(ssd),data:100.5(ssd,rotary)',
      [
        { label: 'root', sizeBytes: 10 * GB, tags: ['ssd'] },
        { label: 'data', sizeBytes: 100.5 * GB, tags: ['ssd', 'rotary'] },
      ],
    ],
    [
      'unlabelled entries',
      '200(ssd,removable),300',
      [
        { label: '', sizeBytes: 200 * GB, tags: ['ssd', 'removable'] },
        { label: '', sizeBytes: 300 * GB, tags: [] },
      ],
    ],
    [
      "Juju's root with no size",
      'root:0,0:32',
      [
        { label: 'root', sizeBytes: 0, tags: [] },
        { label: '0', sizeBytes: 32 * GB, tags: [] },
      ],
    ],
    ['decimal GB, not GiB', '1.5', [{ label: '', sizeBytes: 1_500_000_000, tags: [] }]],
  ])('parses storage with %s', (_, storage, expected) => {
    expect(parse({ storage }).storage).toEqual(expected);
  });

  it('keeps every parameter but op, in order, for the 409 message', () => {
    expect(parse({ op: 'allocate', arch: 'amd64', tags: ['a', 'b'] }).input).toEqual([
      ['arch', ['amd64']],
      ['tags', ['a', 'b']],
    ]);
  });

  it('ignores parameters it does not know', () => {
    expect(() => parse({ interfaces: 'eth0:space=x', bridge_all: 'maybe' })).not.toThrow();
  });

  it.each([
    ['cpu_count', { cpu_count: 'four' }, 'Invalid CPU count: number required.'],
    ['cpu_count', { cpu_count: 'inf' }, 'Invalid CPU count: number required.'],
    ['cpu_count', { cpu_count: '-1' }, 'Invalid CPU count: must not be negative.'],
    ['mem', { mem: '1G' }, 'Invalid memory: number of MiB required.'],
    ['arch', { arch: 'amd64 i386' }, 'Architecture not recognised: "amd64 i386".'],
    ['tags', { tags: 'good,b@d' }, /"b@d": Tag names may contain only/],
    ['not_in_zone', { not_in_zone: '-edge' }, /"-edge": Name must start with/],
    ['storage', { storage: 'root:10(ssd' }, 'Malformed storage constraint, "root:10(ssd".'],
    ['storage', { storage: '1.2.3' }, 'Malformed storage constraint, "1.2.3".'],
    ['storage', { storage: 'root:10,' }, 'Malformed storage constraint, "root:10,".'],
    ['storage', { storage: 'my-disk:10' }, 'Malformed storage constraint, "my-disk:10".'],
    ['storage', { storage: '10()' }, 'Malformed storage constraint, "10()".'],
    ['storage', { storage: '10(ssd,,x)' }, 'Malformed storage constraint, "10(ssd,,x)".'],
    ['storage', { storage: '10(partition)' }, /Partition storage constraints/],
    ['dry_run', { dry_run: 'perhaps' }, "Value should be 'true' or 'false'."],
  ])('rejects a bad %s', (field, params, message) => {
    const errors = fieldErrors(params);
    expect(Object.keys(errors)).toEqual([field]);
    expect(errors[field]?.[0]).toMatch(message);
  });

  it('names every bad parameter at once', () => {
    expect(
      Object.keys(fieldErrors({ cpu_count: 'x', mem: 'y', storage: '(', verbose: 'z', name: 'ok' })).sort(),
    ).toEqual(['cpu_count', 'mem', 'storage', 'verbose']);
  });
});

describe(matchCandidate, () => {
  it.each([
    ['no constraints', {}, true],
    ['its hostname', { name: 'fresh-cod' }, true],
    ['its fqdn', { name: 'fresh-cod.maas' }, true],
    ['another domain', { name: 'fresh-cod.example' }, false],
    ['another hostname', { name: 'stale-cod' }, false],
    ['one of two system ids', { system_id: ['zzz', 'abc123'] }, true],
    ['another system id', { system_id: 'zzz' }, false],
    ['a primary architecture', { arch: 'amd64' }, true],
    ['the exact architecture', { arch: 'amd64/generic' }, true],
    ['another sub-architecture', { arch: 'amd64/hwe-22.04' }, false],
    ['another architecture', { arch: 'arm64' }, false],
    ['one of two architectures', { arch: ['arm64', 'amd64'] }, true],
    ['exactly its cpus', { cpu_count: '4.0' }, true],
    ['more cpus', { cpu_count: '4.5' }, false],
    ['less memory', { mem: '8000' }, true],
    ['more memory', { mem: '8193' }, false],
    ['its tag', { tags: 'virtual' }, true],
    ['a tag it lacks', { tags: 'virtual,gpu' }, false],
    ['a tag it must not have', { not_tags: 'virtual' }, false],
    ['its zone', { zone: 'default' }, true],
    ['another zone', { zone: 'rack2' }, false],
    ['excluding its zone', { not_in_zone: 'rack2,default' }, false],
    ['its pool', { pool: 'default' }, true],
    ['excluding its pool', { not_in_pool: 'default' }, false],
    ['a root disk that is big enough', { storage: 'root:100(ssd)' }, true],
    ['a root disk that is too small', { storage: 'root:100.1' }, false],
    ['a root disk tag it lacks', { storage: 'root:10(nvme)' }, false],
    ['a second disk it lacks', { storage: 'root:10,data:10' }, false],
  ])('on %s returns %s', (_, params, matches) => {
    expect(matchCandidate(machine(), parse(params)) !== undefined).toBe(matches);
  });

  it('reads the generic arm architecture as armhf, as MAAS does', () => {
    expect(matchCandidate(machine({ architecture: 'armhf/generic' }), parse({ arch: 'arm' }))).toBeDefined();
  });

  it('maps storage labels to block devices, leaving unlabelled entries out as MAAS does', () => {
    const c = machine({
      blockDevices: [
        { id: 1, sizeBytes: 500 * GB, tags: ['ssd'] },
        { id: 2, sizeBytes: 2000 * GB, tags: ['rotary'] },
        { id: 3, sizeBytes: 1000 * GB, tags: ['rotary'] },
        { id: 4, sizeBytes: 100 * GB, tags: [] },
      ],
    });
    expect(matchCandidate(c, parse({ storage: 'root:100(ssd),data:900(rotary),50' }))).toEqual({
      storage: { root: [1], data: [3] },
    });
  });

  it('matches the root constraint against the boot disk, not any disk', () => {
    const blockDevices = [
      { id: 1, sizeBytes: 50 * GB, tags: [] },
      { id: 2, sizeBytes: 500 * GB, tags: [] },
    ];
    expect(matchCandidate(machine({ blockDevices }), parse({ storage: 'root:100' }))).toBeUndefined();
    expect(
      matchCandidate(machine({ blockDevices, bootDeviceId: 2 }), parse({ storage: 'root:100' })),
    ).toEqual({
      storage: { root: [2] },
    });
  });

  it('never gives the boot disk or one device to two constraints', () => {
    const c = machine({
      blockDevices: [
        { id: 1, sizeBytes: 100 * GB, tags: [] },
        { id: 2, sizeBytes: 100 * GB, tags: [] },
      ],
    });
    expect(matchCandidate(c, parse({ storage: 'root:0,a:10' }))).toEqual({ storage: { root: [1], a: [2] } });
    expect(matchCandidate(c, parse({ storage: 'root:0,a:10,b:10' }))).toBeUndefined();
  });

  it('reports repeated labels as a list, as MAAS does', () => {
    const c = machine({ blockDevices: [1, 2, 3].map((id) => ({ id, sizeBytes: id * 100 * GB, tags: [] })) });
    expect(matchCandidate(c, parse({ storage: 'root:0,x:10,x:10' }))).toEqual({
      storage: { root: [1], x: [2, 3] },
    });
  });

  it('moves an earlier constraint to a bigger disk when a later one fits only the smaller', () => {
    // Equal tag counts keep request order: "a" takes the smaller disk 2 first, but "b" fits only disk 2.
    const c = machine({
      blockDevices: [
        { id: 1, sizeBytes: 10 * GB, tags: [] },
        { id: 2, sizeBytes: 100 * GB, tags: ['ssd', 'x'] },
        { id: 3, sizeBytes: 200 * GB, tags: ['x'] },
      ],
    });
    expect(matchCandidate(c, parse({ storage: 'root:0,a:50(x),b:50(ssd)' }))).toEqual({
      storage: { root: [1], a: [3], b: [2] },
    });
  });

  it('matches constraints with more tags first, each to the smallest disk that fits', () => {
    const c = machine({
      blockDevices: [
        { id: 1, sizeBytes: 10 * GB, tags: [] },
        { id: 2, sizeBytes: 100 * GB, tags: ['ssd'] },
        { id: 3, sizeBytes: 200 * GB, tags: ['ssd'] },
        { id: 4, sizeBytes: 150 * GB, tags: [] },
      ],
    });
    expect(matchCandidate(c, parse({ storage: 'root:0,any:50,fast:50(ssd)' }))).toEqual({
      storage: { root: [1], fast: [2], any: [4] },
    });
  });

  it('fails a storage constraint on a machine with no disks', () => {
    expect(matchCandidate(machine({ blockDevices: [] }), parse({ storage: '0' }))).toBeUndefined();
  });
});

describe(chooseSmallest, () => {
  const small = machine({ id: 3, systemId: 's', cpuCount: 2, memoryMib: 4096 });
  const bigMemory = machine({ id: 2, systemId: 'm', cpuCount: 2, memoryMib: 65536 });
  const big = machine({ id: 1, systemId: 'b', cpuCount: 32, memoryMib: 262144, tags: ['gpu'] });

  it.each([
    ['the fewest cpus, then least memory', {}, 's'],
    ['the smallest that satisfies the memory', { mem: '8192' }, 'm'],
    ['the only one with the tag', { tags: 'gpu' }, 'b'],
  ])('chooses %s', (_, params, systemId) => {
    expect(chooseSmallest([big, bigMemory, small], parse(params))?.candidate.systemId).toBe(systemId);
  });

  it('returns the storage mapping with the machine', () => {
    expect(chooseSmallest([big, small], parse({ storage: 'root:10' }))?.storage).toEqual({ root: [10] });
  });

  it('returns undefined when nothing matches', () => {
    expect(chooseSmallest([big, small], parse({ cpu_count: '64' }))).toBeUndefined();
  });

  it('breaks ties on total storage, then id', () => {
    const oneDisk = machine({ id: 9 });
    const twoDisks = machine({
      id: 5,
      blockDevices: [...oneDisk.blockDevices, { id: 11, sizeBytes: GB, tags: [] }],
    });
    const sameAsOne = machine({ id: 7 });
    expect([twoDisks, oneDisk, sameAsOne].sort(compareBySize).map((c) => c.id)).toEqual([7, 9, 5]);
    expect(allocationRank(twoDisks)).toEqual([4, 8192, 101 * GB, 5]);
  });
});

describe(describeConstraints, () => {
  it.each([
    ['no constraints at all', {}, 'No machine available.'],
    [
      'only options that are not constraints',
      { agent_name: 'juju', dry_run: 'true' },
      'No machine available.',
    ],
    ['a named system id', { system_id: 'abc', cpu_count: '2' }, 'No machine with system ID abc available.'],
    [
      "a name, as MAAS's API test expects",
      { op: 'allocate', name: 'host-x' },
      "No available machine matches constraints: [('name', ['host-x'])] (resolved to \"name=host-x\")",
    ],
    [
      'several constraints, summarised in sorted order with float numbers',
      { zone: 'z1', cpu_count: '4', arch: 'amd64', tags: ['b', 'a'], mem: '1024.5' },
      "No available machine matches constraints: [('zone', ['z1']), ('cpu_count', ['4']), ('arch', ['amd64']), " +
        "('tags', ['b', 'a']), ('mem', ['1024.5'])] " +
        '(resolved to "arch=amd64 cpu_count=4.0 mem=1024.5 tags=a,b zone=z1")',
    ],
    [
      'storage and exclusions',
      { storage: 'root:10(ssd)', not_tags: 'x', not_in_zone: 'a,b', not_in_pool: 'p', pool: 'q' },
      "No available machine matches constraints: [('storage', ['root:10(ssd)']), ('not_tags', ['x']), " +
        "('not_in_zone', ['a,b']), ('not_in_pool', ['p']), ('pool', ['q'])] " +
        '(resolved to "not_in_pool=p not_in_zone=a,b not_tags=x pool=q storage=root:10(ssd)")',
    ],
    [
      'values quoted the way Python quotes them',
      { name: ["it's", 'back\\slash'] },
      "No available machine matches constraints: [('name', [\"it's\", 'back\\\\slash'])] " +
        '(resolved to "name=it\'s,back\\slash")',
    ],
  ])('describes %s', (_, params, message) => {
    expect(describeConstraints(parse(params))).toBe(message);
  });

  it('expands a primary architecture with the known ones, as MAAS does', () => {
    const k = parse({ arch: ['amd64', 'arm64/generic'] });
    expect(
      describeConstraints(k, { architectures: ['arm64/generic', 'amd64/hwe', 'amd64/generic'] }),
    ).toMatch(/resolved to "arch=amd64\/generic,amd64\/hwe,arm64\/generic"/);
  });
});
