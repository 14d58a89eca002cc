import { describe, expect, it } from 'vitest';
import { redactUrl } from './log-serializers.js';

describe(redactUrl, () => {
  it('hides the OAuth signature wherever it stands in the query', () => {
    expect(redactUrl('/MAAS/api/2.0/users/?op=whoami&oauth_signature=%26secret&oauth_nonce=1')).toBe(
      '/MAAS/api/2.0/users/?op=whoami&oauth_signature=[redacted]&oauth_nonce=1',
    );
    expect(redactUrl('/x/?oauth_signature=%26s')).toBe('/x/?oauth_signature=[redacted]');
  });

  it('leaves other URLs alone', () => {
    expect(redactUrl('/MAAS/api/2.0/zones/?signature=x')).toBe('/MAAS/api/2.0/zones/?signature=x');
  });
});

describe('redactUrl with encoded keys', () => {
  it('hides the signature when its key is percent-encoded', () => {
    expect(redactUrl('/x/?oauth%5Fsignature=%26s&a=1')).toBe('/x/?oauth%5Fsignature=[redacted]&a=1');
  });
});
