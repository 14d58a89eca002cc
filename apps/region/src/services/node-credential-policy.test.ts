import { describe, expect, it } from 'vitest';
import { credentialEffect, dropsUserData, holdsCredentials } from './node-credential-policy.js';

describe(credentialEffect, () => {
  it('gives fresh credentials to a machine that starts commissioning or deploying', () => {
    expect(credentialEffect('COMMISSIONING')).toBe('fresh');
    expect(credentialEffect('DEPLOYING')).toBe('fresh');
  });

  it('keeps the credentials of a machine going from commissioning to testing', () => {
    expect(credentialEffect('TESTING')).toBe('keep');
  });

  it('revokes credentials at release, at Ready and after an aborted deployment', () => {
    expect(credentialEffect('RELEASING')).toBe('revoke');
    expect(credentialEffect('READY')).toBe('revoke');
    expect(credentialEffect('ALLOCATED')).toBe('revoke');
  });

  it('leaves the credentials of a failed machine so it can send its last results', () => {
    expect(credentialEffect('FAILED_COMMISSIONING')).toBeUndefined();
    expect(credentialEffect('DEPLOYED')).toBeUndefined();
  });

  it('never gives credentials to a status that cannot hold them', () => {
    for (const status of ['COMMISSIONING', 'DEPLOYING', 'DISK_ERASING', 'TESTING'] as const)
      expect(holdsCredentials(status)).toBe(true);
    expect(holdsCredentials('READY')).toBe(false);
    expect(holdsCredentials('NEW')).toBe(false);
  });
});

describe(dropsUserData, () => {
  it('drops user data when the machine is back in Ready, not while it is deploying', () => {
    expect(dropsUserData('READY')).toBe(true);
    expect(dropsUserData('DEPLOYING')).toBe(false);
  });
});
