import { describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { FormParams } from './form-params.js';

function form(query: string): FormParams {
  return FormParams.fromSearchParams(new URLSearchParams(query));
}

/** The field errors of the 400 that `run` throws. */
function fieldErrors(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('validation_failed');
    return (error as AppError).details.fields;
  }
  throw new Error('expected a validation error');
}

describe('FormParams', () => {
  it('keeps repeated keys as a list in order, and get() returns the last one as Django does', () => {
    const params = form('tags=a&tags=b&tags=c&name=x');
    expect(params.getAll('tags')).toEqual(['a', 'b', 'c']);
    expect(params.get('tags')).toBe('c');
    expect(params.keys()).toEqual(['tags', 'name']);
  });

  it('decodes percent-escapes and + as a space', () => {
    const params = form('description=rack+one%20%C3%A9&empty=');
    expect(params.get('description')).toBe('rack one é');
    expect(params.get('empty')).toBe('');
    expect(params.has('empty')).toBe(true);
  });

  it('answers undefined and an empty list for absent keys', () => {
    const params = form('');
    expect(params.get('x')).toBeUndefined();
    expect(params.getAll('x')).toEqual([]);
    expect(params.has('x')).toBe(false);
  });

  describe('required', () => {
    it('returns the value', () => {
      expect(form('name=zone1').required('name')).toBe('zone1');
    });

    it.each(['', 'name='])('names the field when it is missing or empty (%j)', (query) => {
      expect(fieldErrors(() => form(query).required('name'))).toEqual({ name: ['This field is required.'] });
    });
  });

  describe('bool', () => {
    it.each(['true', 'True', '1', 'yes', 'on', ' TRUE '])('reads %j as true', (value) => {
      expect(form(`x=${encodeURIComponent(value)}`).bool('x', false)).toBe(true);
    });

    it.each(['false', 'FALSE', '0', 'no', 'off'])('reads %j as false', (value) => {
      expect(form(`x=${value}`).bool('x', true)).toBe(false);
    });

    it('falls back when absent or empty', () => {
      expect(form('').bool('x', true)).toBe(true);
      expect(form('x=').bool('x', false)).toBe(false);
    });

    it('rejects other words naming the field', () => {
      expect(fieldErrors(() => form('is_superuser=maybe').bool('is_superuser', false))).toEqual({
        is_superuser: ["'maybe' is not a boolean (use true or false)."],
      });
    });
  });

  describe('int', () => {
    const bounds = { min: 1, max: 1000 };

    it('reads whole numbers within bounds, and undefined when absent or empty', () => {
      expect(form('limit=5').int('limit', bounds)).toBe(5);
      expect(form('limit=1000').int('limit', bounds)).toBe(1000);
      expect(form('limit=-3').int('limit', { min: -5, max: 5 })).toBe(-3);
      expect(form('').int('limit', bounds)).toBeUndefined();
      expect(form('limit=').int('limit', bounds)).toBeUndefined();
    });

    it.each(['1.5', '1e3', 'ten', '0x10', '5 5'])('rejects %j as not a whole number', (value) => {
      expect(fieldErrors(() => form(`limit=${encodeURIComponent(value)}`).int('limit', bounds))).toEqual({
        limit: [`'${value}' is not a whole number.`],
      });
    });

    it.each(['0', '1001', '99999999999999999999'])('rejects %s outside the bounds, naming them', (value) => {
      expect(fieldErrors(() => form(`limit=${value}`).int('limit', bounds))).toEqual({
        limit: ['Must be between 1 and 1000.'],
      });
    });
  });

  describe('withFallback', () => {
    it('takes keys from the other set only where this one has none, and both sets of files', () => {
      const body = form('name=from-body&tags=a');
      body.files.push({
        field: 'content',
        filename: 'a.txt',
        contentType: 'text/plain',
        data: Buffer.from('a'),
      });
      const query = form('name=from-query&op=create&tags=b&tags=c');
      const merged = body.withFallback(query);
      expect(merged.get('name')).toBe('from-body');
      expect(merged.get('op')).toBe('create');
      expect(merged.getAll('tags')).toEqual(['a']);
      expect(merged.files.map((f) => f.filename)).toEqual(['a.txt']);
      expect(body.has('op')).toBe(false);
    });
  });
});
