import { describe, expect, it } from 'vitest';
import {
  handshakeProof,
  isChallenge,
  negotiateVersion,
  newChallenge,
  verifyHandshakeProof,
} from './handshake.js';

const challenges = { region: newChallenge(), rack: newChallenge() };

describe(handshakeProof, () => {
  it('is verified with the same secret, challenges, role and version', () => {
    const proof = handshakeProof('s3cret', 'rack', challenges, 1);
    expect(verifyHandshakeProof(proof, 's3cret', 'rack', challenges, 1)).toBe(true);
  });

  it('is refused with another secret, challenge, role or version', () => {
    const proof = handshakeProof('s3cret', 'rack', challenges, 1);
    expect(verifyHandshakeProof(proof, 'wrong', 'rack', challenges, 1)).toBe(false);
    expect(verifyHandshakeProof(proof, 's3cret', 'region', challenges, 1)).toBe(false);
    expect(verifyHandshakeProof(proof, 's3cret', 'rack', { ...challenges, region: newChallenge() }, 1)).toBe(
      false,
    );
    expect(
      verifyHandshakeProof(proof, 's3cret', 'rack', { region: challenges.rack, rack: challenges.region }, 1),
    ).toBe(false);
    expect(verifyHandshakeProof(proof, 's3cret', 'rack', challenges, 2)).toBe(false);
    expect(verifyHandshakeProof(undefined, 's3cret', 'rack', challenges, 1)).toBe(false);
    expect(verifyHandshakeProof(`${proof}x`, 's3cret', 'rack', challenges, 1)).toBe(false);
  });

  it('does not contain the secret', () => {
    expect(handshakeProof('a-rather-long-secret', 'region', challenges, 1)).not.toContain('secret');
  });
});

describe(newChallenge, () => {
  it('makes a different well-formed challenge each time', () => {
    const seen = new Set(Array.from({ length: 100 }, newChallenge));
    expect(seen.size).toBe(100);
    expect([...seen].every(isChallenge)).toBe(true);
    expect(isChallenge('short')).toBe(false);
    expect(isChallenge(42)).toBe(false);
  });
});

describe(negotiateVersion, () => {
  it('agrees on the highest version both speak, or none', () => {
    expect(negotiateVersion({ min: 1, max: 3 }, { min: 2, max: 5 })).toBe(3);
    expect(negotiateVersion({ min: 1, max: 1 }, { min: 1, max: 1 })).toBe(1);
    expect(negotiateVersion({ min: 1, max: 2 }, { min: 3, max: 4 })).toBeUndefined();
    expect(negotiateVersion({ min: 1, max: 2 }, { min: 2, max: 1 })).toBeUndefined();
    expect(negotiateVersion({ min: 1, max: 2 }, { min: 0.5, max: 2 })).toBeUndefined();
  });
});
