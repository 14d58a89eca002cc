import busboy from 'busboy';
import { describe, expect, it } from 'vitest';
import { MultipartForm } from './multipart-form.js';

/** Fields and files of a multipart body, read with busboy (as the region reads signals). */
function parse(
  contentType: string,
  body: Buffer,
): Promise<{ fields: Map<string, string>; files: Map<string, { filename: string; data: string }> }> {
  return new Promise((resolve, reject) => {
    const fields = new Map<string, string>();
    const files = new Map<string, { filename: string; data: string }>();
    const parser = busboy({ headers: { 'content-type': contentType } });
    parser.on('field', (name, value) => fields.set(name, value));
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () =>
        files.set(name, { filename: info.filename ?? '', data: Buffer.concat(chunks).toString() }),
      );
    });
    parser.on('close', () => {
      resolve({ fields, files });
    });
    parser.on('error', reject);
    parser.end(body);
  });
}

describe(MultipartForm, () => {
  it('encodes fields and files as a multipart parser reads them back', async () => {
    const form = new MultipartForm()
      .field('op', 'signal')
      .field('status', 'WORKING')
      .file('maas-lshw.out', 'line 1\r\nline 2\n')
      .file('empty.err', '');
    const { fields, files } = await parse(form.contentType, form.body());
    expect(Object.fromEntries(fields)).toEqual({ op: 'signal', status: 'WORKING' });
    expect(files.get('maas-lshw.out')).toEqual({ filename: 'maas-lshw.out', data: 'line 1\r\nline 2\n' });
    expect(files.get('empty.err')).toEqual({ filename: 'empty.err', data: '' });
  });
});
