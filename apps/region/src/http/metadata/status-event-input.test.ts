import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { statusEventInput } from './status-event-input.js';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function fieldsOf(fn: () => unknown): Record<string, readonly string[]> {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error.details.fields ?? {};
    throw error;
  }
  throw new Error('expected a validation error');
}

describe(statusEventInput, () => {
  it('reads an event with its base64 (and gzip) files', () => {
    const event = statusEventInput(
      json({
        event_type: 'finish',
        origin: 'curtin',
        name: 'cmd-install',
        description: 'done',
        result: 'SUCCESS',
        files: [
          { name: 'a.log', encoding: 'base64', content: Buffer.from('plain').toString('base64') },
          {
            path: 'b.log',
            encoding: 'base64',
            compression: 'gzip',
            content: gzipSync('zipped').toString('base64'),
          },
        ],
      }),
    );
    expect(event).toMatchObject({
      eventType: 'finish',
      origin: 'curtin',
      name: 'cmd-install',
      result: 'SUCCESS',
    });
    expect(event.files.map((f) => [f.name, f.data.toString()])).toEqual([
      ['a.log', 'plain'],
      ['b.log', 'zipped'],
    ]);
  });

  it('refuses what is not a JSON object, naming the body', () => {
    expect(fieldsOf(() => statusEventInput(Buffer.from('{')))).toHaveProperty('body');
    expect(fieldsOf(() => statusEventInput(json([1])))).toHaveProperty('body');
    expect(fieldsOf(() => statusEventInput(undefined))).toHaveProperty('body');
  });

  it('refuses unknown event types and results, missing names, NULs and bad files', () => {
    expect(fieldsOf(() => statusEventInput(json({ event_type: 'end', name: 'x' })))).toHaveProperty(
      'event_type',
    );
    expect(
      fieldsOf(() => statusEventInput(json({ event_type: 'start', name: 'x', result: 'OK' }))),
    ).toHaveProperty('result');
    expect(fieldsOf(() => statusEventInput(json({ event_type: 'start' })))).toHaveProperty('name');
    expect(fieldsOf(() => statusEventInput(json({ event_type: 'start', name: 'a\u0000' })))).toHaveProperty(
      'name',
    );
    expect(
      fieldsOf(() =>
        statusEventInput(
          json({
            event_type: 'start',
            name: 'x',
            files: [{ name: 'f', encoding: 'base64', compression: 'bzip2', content: '' }],
          }),
        ),
      ),
    ).toHaveProperty(['files[0].compression']);
  });
});
