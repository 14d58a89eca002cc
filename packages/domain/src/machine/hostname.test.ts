import { describe, expect, it } from 'vitest';
import {
  generateHostname,
  generateHostnameCandidates,
  hostnameError,
  hostnameWords,
  splitFqdn,
} from './hostname.js';

/** A small deterministic generator (mulberry32) standing in for the region's randomness. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe(hostnameError, () => {
  it.each([
    'fresh-cod',
    'a',
    '1node',
    'Node-01',
    'x'.repeat(63),
    'node1.maas',
    `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`,
  ])('accepts %j', (name) => {
    expect(hostnameError(name)).toBeUndefined();
  });

  it.each([
    ['', 'DNS name contains an empty label.'],
    ['node.', 'DNS name contains an empty label.'],
    ['.maas', 'DNS name contains an empty label.'],
    ['a..b', 'DNS name contains an empty label.'],
    ['x'.repeat(64), `Label is too long: '${'x'.repeat(64)}'.  Maximum allowed is 63 characters.`],
    [`${'a'.repeat(63)}.`.repeat(4) + 'e', 'Hostname is too long.  Maximum allowed is 255 characters.'],
    ['-node', "Label cannot start or end with hyphen: '-node'."],
    ['node.maas-', "Label cannot start or end with hyphen: 'maas-'."],
    ['my_node', "Host label cannot contain underscore: 'my_node'."],
    ['node!', "Label contains disallowed characters: 'node!'."],
    ['node1.sub_zone.maas', "Label contains disallowed characters: 'sub_zone'."],
    ['node 1', "Label contains disallowed characters: 'node 1'."],
    ['zoë', "Label contains disallowed characters: 'zoë'."],
  ])('rejects %j', (name, message) => {
    expect(hostnameError(name)).toBe(message);
  });
});

describe(splitFqdn, () => {
  it.each([
    ['fresh-cod', { host: 'fresh-cod' }],
    ['fresh-cod.maas', { host: 'fresh-cod', domain: 'maas' }],
    ['fresh-cod.dc1.example.com', { host: 'fresh-cod', domain: 'dc1.example.com' }],
  ])('splits %j at the first dot', (name, parts) => {
    expect(splitFqdn(name)).toEqual(parts);
  });
});

describe(generateHostname, () => {
  it('draws from at least 200 distinct adjectives and 200 distinct nouns', () => {
    for (const words of [hostnameWords.adjectives, hostnameWords.nouns]) {
      expect(words.length).toBeGreaterThanOrEqual(200);
      expect(new Set(words).size).toBe(words.length);
    }
  });

  it('uses only words that make valid, lower-case hostnames', () => {
    for (const adjective of hostnameWords.adjectives) expect(adjective).toMatch(/^[a-z]{2,10}$/);
    for (const noun of hostnameWords.nouns) expect(noun).toMatch(/^[a-z]{2,10}$/);
  });

  it('makes an adjective-noun name from the given randomness', () => {
    const first = `${hostnameWords.adjectives[0] ?? ''}-${hostnameWords.nouns[0] ?? ''}`;
    const last = `${hostnameWords.adjectives.at(-1) ?? ''}-${hostnameWords.nouns.at(-1) ?? ''}`;
    expect(generateHostname(() => 0)).toBe(first);
    expect(generateHostname(() => 0.999999)).toBe(last);
    // A random source that strays outside [0, 1) still yields a valid name.
    expect(generateHostname(() => 1)).toBe(last);
    expect(generateHostname(() => Number.NaN)).toBe(first);
  });

  it('gives valid names that rarely collide', () => {
    const random = seeded(42);
    const names = Array.from({ length: 200 }, () => generateHostname(random));
    for (const name of names) expect(hostnameError(name)).toBeUndefined();
    expect(new Set(names).size).toBeGreaterThanOrEqual(195);
  });

  it('is deterministic for a given random source', () => {
    expect(generateHostname(seeded(7))).toBe(generateHostname(seeded(7)));
  });
});

describe(generateHostnameCandidates, () => {
  it('returns n distinct names', () => {
    const names = generateHostnameCandidates(seeded(1), 50);
    expect(names).toHaveLength(50);
    expect(new Set(names).size).toBe(50);
  });

  it('gives up rather than loop when the random source repeats itself', () => {
    expect(generateHostnameCandidates(() => 0.5, 5)).toHaveLength(1);
  });
});
