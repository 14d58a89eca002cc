import { describe, expect, it } from 'vitest';
import { credentialsOfPreseed } from './preseed-credentials.js';

describe(credentialsOfPreseed, () => {
  it('reads the datasource credentials, quoted or not', () => {
    const preseed = [
      '#cloud-config',
      'datasource:',
      '  MAAS:',
      '    metadata_url: "http://10.0.0.1:5240/MAAS/metadata/"',
      '    consumer_key: "ck\\"1"',
      "    token_key: 'tk2'",
      '    token_secret: ts3',
    ].join('\n');
    expect(credentialsOfPreseed(preseed)).toEqual({
      consumerKey: 'ck"1',
      tokenKey: 'tk2',
      tokenSecret: 'ts3',
    });
  });

  it('says what is missing from a preseed without credentials', () => {
    expect(() => credentialsOfPreseed('#cloud-config\ndatasource:\n  MAAS: {}\n')).toThrow(/no consumer_key/);
  });
});
