import { describe, expect, it } from 'vitest';
import { JsonArrayStream } from './handler.js';

async function* pagesOf<T>(pages: readonly (readonly T[])[], failAt?: number): AsyncGenerator<readonly T[]> {
  for (const [i, page] of pages.entries()) {
    await Promise.resolve();
    if (i === failAt) throw new Error(`page ${String(i)} failed`);
    yield page;
  }
}

async function text(stream: JsonArrayStream): Promise<string> {
  let out = '';
  for await (const chunk of stream.chunks())
    out += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
  return out;
}

describe(JsonArrayStream, () => {
  it('joins pages into one JSON array', async () => {
    const stream = await JsonArrayStream.of(pagesOf([[1, 2], [3], [4, 5]]), (n) => JSON.stringify({ n }));
    const json = await text(stream);
    expect(JSON.parse(json)).toEqual([1, 2, 3, 4, 5].map((n) => ({ n })));
  });

  it('answers [] for no pages or only empty ones, and skips empty pages between others', async () => {
    expect(await text(await JsonArrayStream.of(pagesOf<number>([]), String))).toBe('[]');
    expect(await text(await JsonArrayStream.of(pagesOf<number>([[], []]), String))).toBe('[]');
    expect(await text(await JsonArrayStream.of(pagesOf([[], [1], [], [2], []]), String))).toBe('[1,2]');
  });

  it('fails before streaming when the first page fails, so the error can still be answered', async () => {
    await expect(JsonArrayStream.of(pagesOf([[1]], 0), String)).rejects.toThrow('page 0 failed');
  });

  it('fails the stream when a later page fails', async () => {
    const stream = await JsonArrayStream.of(pagesOf([[1], [2], [3]], 2), String);
    await expect(text(stream)).rejects.toThrow('page 2 failed');
  });
});
