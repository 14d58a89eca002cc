import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The region⇄rack handshake's proofs. Each side proves it knows the shared secret without
 * sending it: the region sends a fresh random challenge, the rack answers with its own
 * challenge and an HMAC-SHA256 over both, and the region answers with an HMAC over both in the
 * other role. A recorded answer is worthless on another connection, whose challenge differs;
 * each proof names its role, so one side's proof cannot be reflected back as the other's.
 */

/** Bytes of a challenge (256 bits). */
export const CHALLENGE_BYTES = 32;

/** Who proves: the rack answers the region's challenge first, then the region the rack's. */
export type HandshakeRole = 'rack' | 'region';

/** A fresh challenge, base64url. */
export function newChallenge(): string {
  return randomBytes(CHALLENGE_BYTES).toString('base64url');
}

/** True for a challenge of the right form (base64url of `CHALLENGE_BYTES` bytes). */
export function isChallenge(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}

/**
 * The proof `role` gives that it knows `secret`, bound to both challenges of this connection
 * and to the protocol version agreed, base64url.
 */
export function handshakeProof(
  secret: string,
  role: HandshakeRole,
  challenges: { readonly region: string; readonly rack: string },
  version: number,
): string {
  return createHmac('sha256', secret)
    .update(`ferrum-rpc handshake\n${role}\n${String(version)}\n${challenges.region}\n${challenges.rack}`)
    .digest('base64url');
}

/** Checks a proof in constant time. */
export function verifyHandshakeProof(
  proof: unknown,
  secret: string,
  role: HandshakeRole,
  challenges: { readonly region: string; readonly rack: string },
  version: number,
): boolean {
  if (typeof proof !== 'string') return false;
  const expected = Buffer.from(handshakeProof(secret, role, challenges, version));
  const given = Buffer.from(proof);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A range of protocol versions one side speaks. */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/** The highest version both speak, or undefined when the ranges do not meet. */
export function negotiateVersion(ours: VersionRange, theirs: VersionRange): number | undefined {
  if (![theirs.min, theirs.max].every((v) => Number.isSafeInteger(v) && v > 0) || theirs.min > theirs.max)
    return undefined;
  const version = Math.min(ours.max, theirs.max);
  return version >= Math.max(ours.min, theirs.min) ? version : undefined;
}

/** The key a connection's handshake agreed: an HMAC of the proved secret over both challenges. */
function connectionKey(
  secret: string,
  challenges: { readonly region: string; readonly rack: string },
  version: number,
): Buffer {
  return createHmac('sha256', secret)
    .update(`ferrum-rpc connection key\n${String(version)}\n${challenges.region}\n${challenges.rack}`)
    .digest();
}

/**
 * A rack's new credential sealed for the wire (AES-256-GCM under the connection's key): a rack
 * registering over plain ws:// with the shared secret gets it without an eavesdropper reading it.
 */
export function sealCredential(
  credential: string,
  secret: string,
  challenges: { readonly region: string; readonly rack: string },
  version: number,
): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', connectionKey(secret, challenges, version), iv);
  const sealed = Buffer.concat([cipher.update(credential, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** Opens a sealed credential; undefined when it was not sealed under this connection's key. */
export function openCredential(
  sealed: string,
  secret: string,
  challenges: { readonly region: string; readonly rack: string },
  version: number,
): string | undefined {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length < 29) return undefined;
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      connectionKey(secret, challenges, version),
      bytes.subarray(0, 12),
    );
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
