import { describe, expect, it } from 'vitest';
import { isDbId, MAX_DB_ID, parseId } from './db-id.js';

describe('parseId', () => {
  it.each([
    ['1', 1],
    ['42', 42],
    ['007', 7],
    ['2147483647', 2147483647],
  ])('reads %j as the id %d', (text, id) => {
    expect(parseId(text)).toBe(id);
    expect(isDbId(text)).toBe(true);
  });

  it.each([
    '0',
    '2147483648',
    '99999999999999999999',
    '-1',
    '+1',
    '1.0',
    '1e3',
    ' 1',
    '1 ',
    '0x10',
    '',
    'abc',
    '١٢',
  ])('refuses %j', (text) => {
    expect(parseId(text)).toBeUndefined();
    expect(isDbId(text)).toBe(false);
  });

  it('refuses a missing value', () => {
    expect(parseId(undefined)).toBeUndefined();
  });

  it("stops at PostgreSQL's integer maximum", () => {
    expect(MAX_DB_ID).toBe(2 ** 31 - 1);
  });
});
