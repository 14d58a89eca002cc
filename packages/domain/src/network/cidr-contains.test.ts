import { describe, expect, it } from 'vitest';
import { cidrContains } from './cidr-contains.js';
import { makeCidr } from './make-cidr.js';

describe(cidrContains, () => {
  const net = makeCidr(4, 0x0a000000n, 24);

  it('holds the network, broadcast and every address between', () => {
    expect(cidrContains(net, { family: 4, value: 0x0a000000n })).toBe(true);
    expect(cidrContains(net, { family: 4, value: 0x0a0000ffn })).toBe(true);
    expect(cidrContains(net, { family: 4, value: 0x0a000100n })).toBe(false);
    expect(cidrContains(net, { family: 4, value: 0x09ffffffn })).toBe(false);
  });

  it('never holds an address of the other family', () => {
    expect(cidrContains(net, { family: 6, value: 0x0a000001n })).toBe(false);
  });
});
