import { describe, expect, it } from 'vitest';
import { redactUrlCredentials } from './url-credentials.js';

describe('redactUrlCredentials', () => {
  it.each([
    ['http://user:s3cret@proxy/', 'http://user:***@proxy/'],
    ['https://user:s3cret@proxy.lab:3128/path?q=1', 'https://user:***@proxy.lab:3128/path?q=1'],
    ['http://user:p@ss@proxy/', 'http://user:***@proxy/'],
    ['http://user:@proxy/', 'http://user:***@proxy/'],
    [
      "Updated configuration setting 'http_proxy' to 'http://u:pw@squid:3128/'.",
      "Updated configuration setting 'http_proxy' to 'http://u:***@squid:3128/'.",
    ],
    ['http://a:1@one/ http://b:2@two/', 'http://a:***@one/ http://b:***@two/'],
  ])('masks the password in %j', (text, expected) => {
    expect(redactUrlCredentials(text)).toBe(expected);
  });

  it.each([
    'http://proxy:3128/',
    'http://proxy/a:b@c',
    'http://[2001:db8::1]:3128/',
    'user:pass@host',
    'plain text',
  ])('leaves %j as it is', (text) => {
    expect(redactUrlCredentials(text)).toBe(text);
  });
});
