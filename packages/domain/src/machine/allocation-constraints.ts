// MAAS `machines/?op=allocate` constraints: parsing the request parameters, matching a machine against
// them, choosing the smallest sufficient machine and MAAS's 409 text. Semantics follow MAAS's
// src/maasserver/node_constraint_filter_forms.py (AcquireNodeForm, nodes_by_storage) and
// src/maasserver/api/machines.py (allocate).

import { AppError } from '../app-error.js';
import { checkObjectName, checkTagName } from '../names.js';

/** One entry of the `storage` constraint, `label:size(tag,tag)`. */
export interface StorageConstraint {
  /** '' for an unlabelled entry: MAAS matches it but leaves it out of `constraints_by_type`. */
  readonly label: string;
  /** Minimum device size in bytes; the wire size is in GB of 1000³ bytes, as MAAS reads it. */
  readonly sizeBytes: number;
  /** Tags the block device must all carry. */
  readonly tags: readonly string[];
}

/** Parsed allocate constraints; empty lists and absent numbers constrain nothing. */
export interface AllocationConstraints {
  /** Hostnames or FQDNs; every one must match (MAAS ANDs repeated `name`s). */
  readonly names: readonly string[];
  /** The machine must have one of these system ids. */
  readonly systemIds: readonly string[];
  /** Any of: `amd64` matches every `amd64/*`, `amd64/generic` only itself. */
  readonly arches: readonly string[];
  readonly minCpuCount?: number;
  readonly minMemoryMib?: number;
  /** The machine must carry all of these tags … */
  readonly tags: readonly string[];
  /** … and none of these. */
  readonly notTags: readonly string[];
  readonly zones: readonly string[];
  readonly notInZones: readonly string[];
  readonly pools: readonly string[];
  readonly notInPools: readonly string[];
  /** In request order; the first entry is the root disk. */
  readonly storage: readonly StorageConstraint[];
  /** The `storage` parameter as given, for the 409 message. */
  readonly storageText?: string;
  readonly agentName?: string;
  readonly comment?: string;
  readonly dryRun: boolean;
  readonly verbose: boolean;
  /** Every request parameter but `op`, in request order, for the 409 message as MAAS writes it. */
  readonly input: readonly (readonly [string, readonly string[]])[];
}

/** What allocation needs to know about a Ready machine. */
export interface AllocationCandidate {
  id: number;
  systemId: string;
  hostname: string;
  fqdn: string;
  architecture: string;
  cpuCount: number;
  memoryMib: number;
  tags: readonly string[];
  zone: string;
  pool: string;
  blockDevices: readonly { id: number; sizeBytes: number; tags: readonly string[] }[];
  /**
   * The block device holding `/` in the machine's storage layout, which MAAS matches the first
   * storage constraint against; defaults to the lowest-id device (MAAS's default boot disk).
   */
  bootDeviceId?: number;
}

/** Storage label → matched block device ids, MAAS's `constraints_by_type.storage`. */
export interface AllocationMatch {
  readonly storage: Record<string, number[]>;
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const ARCH = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_.+-]+)?$/;
// MAAS's STORAGE_REGEX, one entry at a time: optional label, mandatory size, optional tag list.
const STORAGE_ENTRY = /(?:([a-zA-Z0-9]+):)?(\d+(?:\.\d*)?|\.\d+)(?:\(([^)]+)\))?/y;
const GB = 1000 ** 3;
// formencode's StringBool, which MAAS uses for dry_run and verbose.
const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', 'off', '0']);

/**
 * Parses MAAS allocate parameters; unknown ones are ignored, empty values count as absent.
 * @throws AppError validation_failed naming every bad parameter at once.
 */
export function parseAllocationConstraints(
  params: Readonly<Record<string, readonly string[]>>,
): AllocationConstraints {
  const errors: Record<string, string[]> = {};
  const fail = (field: string, message: string): void => {
    const list = (errors[field] ??= []);
    if (!list.includes(message)) list.push(message);
  };
  const given = (field: string): string[] => (params[field] ?? []).filter((v) => v !== '');
  const last = (field: string): string | undefined => given(field).at(-1);
  const split = (field: string, separators: RegExp): string[] =>
    given(field)
      .flatMap((v) => v.split(separators).map((part) => part.trim()))
      .filter((v) => v !== '');

  const arches = given('arch');
  for (const arch of arches) if (!ARCH.test(arch)) fail('arch', `Architecture not recognised: "${arch}".`);

  const minimum = (field: string, invalid: string, negative: string): number | undefined => {
    let min: number | undefined;
    for (const raw of given(field)) {
      const text = raw.trim();
      const value = DECIMAL.test(text) ? Number(text) : Number.NaN;
      if (!Number.isFinite(value)) fail(field, invalid);
      else if (value < 0) fail(field, negative);
      else min = min === undefined ? value : Math.min(min, value);
    }
    return min;
  };
  // MAAS's own texts for a value that is not a number.
  const minCpuCount = minimum(
    'cpu_count',
    'Invalid CPU count: number required.',
    'Invalid CPU count: must not be negative.',
  );
  const minMemoryMib = minimum(
    'mem',
    'Invalid memory: number of MiB required.',
    'Invalid memory: must not be negative.',
  );

  // Tag names hold neither commas nor spaces, so both lists may be "a,b" or "a b" (MAAS's legacy form).
  const tagList = (field: string): string[] => {
    const tags = split(field, /[\s,]+/);
    for (const tag of tags) {
      const problem = checkTagName(tag);
      if (problem) fail(field, `"${tag}": ${problem}`);
    }
    return [...new Set(tags)];
  };
  // Zone and pool names may hold spaces but never commas.
  const nameList = (field: string): string[] => {
    const names = split(field, /,/);
    for (const name of names) {
      const problem = checkObjectName(name);
      if (problem) fail(field, `"${name}": ${problem}`);
    }
    return names;
  };

  const storageText = last('storage');
  const storage =
    storageText === undefined
      ? []
      : parseStorage(storageText, (m) => {
          fail('storage', m);
        });

  const flag = (field: string): boolean => {
    const raw = last(field);
    if (raw === undefined) return false;
    const word = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (!FALSE_WORDS.has(word)) fail(field, "Value should be 'true' or 'false'.");
    return false;
  };

  const constraints = {
    names: given('name'),
    systemIds: given('system_id'),
    arches,
    ...(minCpuCount === undefined ? {} : { minCpuCount }),
    ...(minMemoryMib === undefined ? {} : { minMemoryMib }),
    tags: tagList('tags'),
    notTags: tagList('not_tags'),
    zones: nameList('zone'),
    notInZones: nameList('not_in_zone'),
    pools: nameList('pool'),
    notInPools: nameList('not_in_pool'),
    storage,
    ...(storageText === undefined ? {} : { storageText }),
    ...optional('agentName', last('agent_name')),
    ...optional('comment', last('comment')),
    dryRun: flag('dry_run'),
    verbose: flag('verbose'),
    input: Object.entries(params).filter(([key]) => key !== 'op'),
  } satisfies AllocationConstraints;
  if (Object.keys(errors).length > 0) throw AppError.invalid(errors);
  return constraints;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

function parseStorage(text: string, fail: (message: string) => void): StorageConstraint[] {
  const malformed = `Malformed storage constraint, "${text}".`;
  const entries: StorageConstraint[] = [];
  for (let pos = 0; ;) {
    STORAGE_ENTRY.lastIndex = pos;
    const match = STORAGE_ENTRY.exec(text);
    if (!match) {
      fail(malformed);
      return [];
    }
    const [, label = '', size = '0', tagText] = match;
    const tags = tagText === undefined ? [] : tagText.split(',').map((t) => t.trim());
    if (tags.some((t) => checkTagName(t) !== undefined)) {
      fail(malformed);
      return [];
    }
    // MAAS's "partition" keyword matches partitions, which allocation candidates do not describe.
    if (tags.includes('partition'))
      fail('Partition storage constraints ("partition" tag) are not supported.');
    entries.push({ label, sizeBytes: Math.trunc(Number(size) * GB), tags });
    pos = STORAGE_ENTRY.lastIndex;
    if (pos === text.length) return entries;
    if (text[pos] !== ',') {
      fail(malformed);
      return [];
    }
    pos += 1;
  }
}

function archMatches(machineArch: string, wanted: string): boolean {
  if (wanted.includes('/')) return machineArch === wanted;
  const primary = machineArch.split('/', 1)[0];
  // MAAS reads Juju's generic "arm" as "armhf".
  return primary === wanted || (wanted === 'arm' && primary === 'armhf');
}

/** A `name` constraint: a bare hostname, or an FQDN whose host and domain must both match. */
function nameMatches(c: AllocationCandidate, name: string): boolean {
  const dot = name.indexOf('.');
  return dot < 0 ? c.hostname === name : c.hostname === name.slice(0, dot) && c.fqdn === name;
}

/** Checks a machine against every constraint; returns the storage mapping when it matches. */
export function matchCandidate(
  c: AllocationCandidate,
  k: AllocationConstraints,
): AllocationMatch | undefined {
  const ok =
    k.names.every((n) => nameMatches(c, n)) &&
    (k.systemIds.length === 0 || k.systemIds.includes(c.systemId)) &&
    (k.arches.length === 0 || k.arches.some((a) => archMatches(c.architecture, a))) &&
    (k.minCpuCount === undefined || c.cpuCount >= k.minCpuCount) &&
    (k.minMemoryMib === undefined || c.memoryMib >= k.minMemoryMib) &&
    k.tags.every((t) => c.tags.includes(t)) &&
    !k.notTags.some((t) => c.tags.includes(t)) &&
    (k.zones.length === 0 || k.zones.includes(c.zone)) &&
    !k.notInZones.includes(c.zone) &&
    (k.pools.length === 0 || k.pools.includes(c.pool)) &&
    !k.notInPools.includes(c.pool);
  if (!ok) return undefined;
  const storage = matchStorage(c, k.storage);
  return storage && { storage };
}

type Device = AllocationCandidate['blockDevices'][number];

function fits(device: Device, constraint: StorageConstraint): boolean {
  return device.sizeBytes >= constraint.sizeBytes && constraint.tags.every((t) => device.tags.includes(t));
}

/**
 * MAAS's nodes_by_storage: the first constraint must hold on the root (boot) device; the others, most
 * tags first, each take the smallest free sufficient device other than it. Where that greedy pass gets
 * stuck, augmenting paths (bipartite matching) find an assignment whenever one exists.
 */
function matchStorage(
  c: AllocationCandidate,
  constraints: readonly StorageConstraint[],
): Record<string, number[]> | undefined {
  const [root, ...rest] = constraints;
  if (root === undefined) return {};
  const rootDevice =
    c.bootDeviceId === undefined
      ? c.blockDevices.reduce<Device | undefined>((low, d) => (low && low.id <= d.id ? low : d), undefined)
      : c.blockDevices.find((d) => d.id === c.bootDeviceId);
  if (!rootDevice || !fits(rootDevice, root)) return undefined;

  // Stable sort, as MAAS's `tail.sort(key=count_tags, reverse=True)`.
  const tail = [...rest].sort((a, b) => b.tags.length - a.tags.length);
  const devices = c.blockDevices
    .filter((d) => d !== rootDevice)
    .sort((a, b) => a.sizeBytes - b.sizeBytes || a.id - b.id);
  const options = tail.map((k) => devices.filter((d) => fits(d, k)));
  const owner = new Map<Device, number>();
  const chosen: Device[] = [];
  const augment = (ci: number, seen: Set<Device>): boolean => {
    for (const d of options[ci] ?? []) {
      if (seen.has(d)) continue;
      seen.add(d);
      const holder = owner.get(d);
      if (holder === undefined || augment(holder, seen)) {
        owner.set(d, ci);
        chosen[ci] = d;
        return true;
      }
    }
    return false;
  };
  for (let ci = 0; ci < tail.length; ci++) {
    const free = options[ci]?.find((d) => !owner.has(d));
    if (free) {
      owner.set(free, ci);
      chosen[ci] = free;
    } else if (!augment(ci, new Set())) return undefined;
  }

  const mapping: Record<string, number[]> = {};
  const report = (k: StorageConstraint, d: Device | undefined): void => {
    if (k.label !== '' && d) (mapping[k.label] ??= []).push(d.id);
  };
  report(root, rootDevice);
  tail.forEach((k, ci) => {
    report(k, chosen[ci]);
  });
  return mapping;
}

/**
 * The allocation order, smallest sufficient machine first so big machines stay free: fewest CPUs, then
 * least memory, then least total block-device storage, then lowest id. The region's candidate query
 * orders the same way (`ORDER BY cpu_count, memory, <sum of block device sizes>, id`) and takes the first
 * machine `matchCandidate` accepts.
 */
export function allocationRank(c: AllocationCandidate): readonly [number, number, number, number] {
  const storage = c.blockDevices.reduce((sum, d) => sum + d.sizeBytes, 0);
  return [c.cpuCount, c.memoryMib, storage, c.id];
}

/** Orders machines by `allocationRank`, smallest first. */
export function compareBySize(a: AllocationCandidate, b: AllocationCandidate): number {
  const ra = allocationRank(a);
  const rb = allocationRank(b);
  for (let i = 0; i < ra.length; i++) {
    const d = (ra[i] ?? 0) - (rb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The smallest machine (by `allocationRank`) that matches, with its storage mapping. */
export function chooseSmallest(
  candidates: readonly AllocationCandidate[],
  constraints: AllocationConstraints,
): { candidate: AllocationCandidate; storage: Record<string, number[]> } | undefined {
  for (const candidate of [...candidates].sort(compareBySize)) {
    const match = matchCandidate(candidate, constraints);
    if (match) return { candidate, storage: match.storage };
  }
  return undefined;
}

/**
 * MAAS's 409 text when nothing matches: "No machine available." with no constraints, "No machine with
 * system ID … available." when one was named, else the request's parameters as a Python list and
 * MAAS's `name=value` summary, e.g.
 * `No available machine matches constraints: [('cpu_count', ['4'])] (resolved to "cpu_count=4.0")`.
 * Give the known architectures to expand `amd64` in the summary as MAAS does.
 */
export function describeConstraints(
  k: AllocationConstraints,
  options: { readonly architectures?: readonly string[] } = {},
): string {
  const parts: [string, readonly string[]][] = [
    ['arch', expandArches(k.arches, options.architectures)],
    ['cpu_count', k.minCpuCount === undefined ? [] : [pythonFloat(k.minCpuCount)]],
    ['mem', k.minMemoryMib === undefined ? [] : [pythonFloat(k.minMemoryMib)]],
    ['name', k.names],
    ['not_in_pool', k.notInPools],
    ['not_in_zone', k.notInZones],
    ['not_tags', k.notTags],
    ['pool', k.pools],
    ['storage', k.storageText === undefined ? [] : [k.storageText]],
    ['system_id', k.systemIds],
    // MAAS cleans tags into a set, described sorted.
    ['tags', [...k.tags].sort()],
    ['zone', k.zones],
  ];
  const resolved = parts
    .filter(([, values]) => values.length > 0)
    .map(([field, values]) => `${field}=${values.join(',')}`)
    .join(' ');
  if (resolved === '') return 'No machine available.';
  const systemId = k.systemIds.at(-1);
  if (systemId !== undefined) return `No machine with system ID ${systemId} available.`;
  const input = k.input.map(([key, values]) => `(${pythonStr(key)}, [${values.map(pythonStr).join(', ')}])`);
  return `No available machine matches constraints: [${input.join(', ')}] (resolved to "${resolved}")`;
}

function expandArches(wanted: readonly string[], known: readonly string[] | undefined): string[] {
  if (!known) return [...wanted];
  return wanted.flatMap((w) =>
    known.includes(w) || w.includes('/') ? [w] : known.filter((a) => archMatches(a, w)).sort(),
  );
}

/** Python's `str(float)`: `4.0`, `2.5`, `1e+16`. */
function pythonFloat(n: number): string {
  const abs = Math.abs(n);
  if (Number.isInteger(n) && abs < 1e16) return n.toFixed(1);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mantissa = '', exponent = ''] = n.toExponential().split('e');
    const sign = exponent.startsWith('-') ? '-' : '+';
    return `${mantissa}e${sign}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  return String(n);
}

/** Python's `repr(str)`: single quotes unless the text holds only single quotes. */
function pythonStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\' || ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}
