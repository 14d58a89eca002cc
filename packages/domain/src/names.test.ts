import { describe, expect, it } from 'vitest';
import { checkDomainName, checkEmail, checkObjectName, checkTagName, checkUsername } from './names.js';

describe('checkUsername', () => {
  it.each(['alice', 'a.b-c_d+e@f', 'x'.repeat(150), 'zoë', '用户'])('accepts %s', (name) => {
    expect(checkUsername(name)).toBeUndefined();
  });

  it.each(['', 'has space', 'semi;colon', 'slash/name', 'x'.repeat(151), 'tab\tname'])(
    'rejects %j',
    (name) => {
      expect(checkUsername(name)).toMatch(/valid username/);
    },
  );
});

describe('checkObjectName', () => {
  it.each(['default', 'rack-1', 'zone_2', 'Rack 1 west', '_hidden', 'zürich', 'x'.repeat(256)])(
    "accepts %j like MAAS's ^\\w[ \\w-]*$",
    (name) => {
      expect(checkObjectName(name)).toBeUndefined();
    },
  );

  it.each(['-leading-hyphen', ' leading-space', 'dot.name', 'slash/name', 'semi;colon', 'new\nline'])(
    'rejects %j',
    (name) => {
      expect(checkObjectName(name)).toMatch(/must start with/);
    },
  );

  it('says an empty name is required', () => {
    expect(checkObjectName('')).toBe('This field is required.');
  });

  it('names the length limit for a name of 257 characters', () => {
    expect(checkObjectName('x'.repeat(257))).toMatch(/at most 256/);
  });
});

describe('checkTagName', () => {
  it.each(['virtual', 'gpu-a100', 'SSD_fast', 'x'.repeat(256)])('accepts %s', (name) => {
    expect(checkTagName(name)).toBeUndefined();
  });

  it.each(['', 'with space', 'dot.name', 'zoë', 'x'.repeat(257)])('rejects %j', (name) => {
    expect(checkTagName(name)).toMatch(/letters, digits/);
  });
});

describe('checkDomainName', () => {
  it.each([
    'maas',
    'example.com',
    'a-b.c-d.example',
    'example.com.',
    `${'a'.repeat(63)}.com`,
    `${'a.'.repeat(126)}a.`,
  ])('accepts %s', (name) => {
    expect(checkDomainName(name)).toBeUndefined();
  });

  it.each(['-bad.com', 'bad-.com', 'a..b', 'under_score.com', 'space here', `${'a'.repeat(64)}.com`])(
    'rejects %j naming the label rule',
    (name) => {
      expect(checkDomainName(name)).toMatch(/DNS labels/);
    },
  );

  it.each(['', '.', `${'a.'.repeat(127)}a`])('rejects %j for its length', (name) => {
    expect(checkDomainName(name)).toMatch(/1 to 253 characters/);
  });
});

describe('checkEmail', () => {
  it.each(['admin@example.com', 'a+b@c'])('accepts %s', (email) => {
    expect(checkEmail(email)).toBeUndefined();
  });

  it.each(['', 'no-at-sign', 'two@@example.com', 'sp ace@example.com', `${'a'.repeat(250)}@b.cd`])(
    'rejects %j',
    (email) => {
      expect(checkEmail(email)).toBe('Enter a valid email address.');
    },
  );
});
