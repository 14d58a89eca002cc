import { randomInt } from 'node:crypto';

/** MAAS's system_id alphabet: lower-case letters and digits without the look-alikes (0/o, 1/l/i, 2/z). */
export const systemIdAlphabet = 'abcdefghjkmnpqrstuvwxy3456789';

/**
 * A new six-character system_id, as MAAS makes them for nodes. `pick(n)` gives a whole number
 * in [0, n); by default a uniform cryptographic one (a byte modulo 29 would favour some letters).
 */
export function newSystemId(pick: (n: number) => number = randomInt): string {
  let id = '';
  for (let i = 0; i < 6; i++) id += systemIdAlphabet.charAt(pick(systemIdAlphabet.length));
  return id;
}
