import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// scrypt is memory-hard: N=2^15, r=8 uses 32 MiB per hash, far beyond what GPUs parallelise cheaply.
const defaults = { N: 1 << 15, r: 8, p: 1 };

interface Cost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

// Bounds for a stored hash's parameters: anything outside them is not a hash we wrote, and
// honouring it could mean a 1 GiB allocation (huge N) or a zero-length comparison that any
// password passes (empty key).
const MIN_KEY_BYTES = 16;
const MAX_KEY_BYTES = 64;
const MAX_LOG2_N = 20;

function derive(password: string, salt: Buffer, keylen: number, cost: Cost): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keylen, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/** Hashes a password as `scrypt$N$r$p$salt$hash` (base64url parts). */
export async function hashPassword(password: string, cost: Cost = defaults): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, 32, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

function wholeNumber(text: string): number | undefined {
  return /^\d{1,10}$/.test(text) ? Number(text) : undefined;
}

/** The cost, salt and key of a stored hash, or undefined when it is malformed or out of bounds. */
function parseStored(stored: string): { cost: Cost; salt: Buffer; key: Buffer } | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [, nText, rText, pText, saltText, keyText] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const N = wholeNumber(nText);
  const r = wholeNumber(rText);
  const p = wholeNumber(pText);
  if (N === undefined || r === undefined || p === undefined) return undefined;
  // N must be a power of two above 1 (scrypt's own rule), r and p small.
  if (N < 2 || N > 2 ** MAX_LOG2_N || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16)
    return undefined;
  if (!/^[\w-]+$/.test(saltText) || !/^[\w-]+$/.test(keyText)) return undefined;
  const key = Buffer.from(keyText, 'base64url');
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) return undefined;
  return { cost: { N, r, p }, salt: Buffer.from(saltText, 'base64url'), key };
}

/** Checks a password against a stored hash in constant time; false for malformed hashes. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStored(stored);
  if (!parsed) return false;
  let key: Buffer;
  try {
    key = await derive(password, parsed.salt, parsed.key.length, parsed.cost);
  } catch {
    return false;
  }
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}
