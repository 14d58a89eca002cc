import busboy from 'busboy';
import type { FastifyInstance } from 'fastify';
import { AppError } from '@ferrum/domain';
import { FormParams } from './form-params.js';

const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * Registers the two body formats MAAS clients send: urlencoded (gomaasapi) and multipart
 * (the maas CLI, which base64-encodes every part with `Content-Transfer-Encoding: base64`,
 * a transfer encoding busboy does not decode by itself).
 * Both parse into FormParams; repeated keys become lists.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => {
    done(null, FormParams.fromSearchParams(new URLSearchParams(body as string)));
  });

  app.addContentTypeParser('multipart/form-data', { bodyLimit: MAX_BODY_BYTES }, (req, payload, done) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { fileSize: MAX_BODY_BYTES, fieldSize: MAX_BODY_BYTES } });
    } catch (error) {
      done(new AppError('validation_failed', `Malformed multipart body: ${(error as Error).message}`), undefined);
      return;
    }
    const form = new FormParams();
    let failed = false;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      done(new AppError('validation_failed', `Malformed multipart body: ${(error as Error).message}`), undefined);
    };
    parser.on('field', (name, value, info) => {
      // busboy has already decoded plain parts with their charset (UTF-8 by default); only
      // base64 and quoted-printable parts (ASCII on the wire) need decoding to bytes and back.
      const encoding = info.encoding.toLowerCase();
      form.add(name, encoding === 'base64' || encoding === 'quoted-printable' ? decodePart(Buffer.from(value, 'latin1'), encoding).toString('utf8') : value);
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const data = decodePart(Buffer.concat(chunks), info.encoding);
        // Parts with a filename are uploads (`maas … key@=file`); handlers read them from `files`.
        form.files.push({ field: name, filename: info.filename ?? '', contentType: info.mimeType, data });
      });
    });
    parser.on('error', fail);
    parser.on('close', () => {
      if (!failed) done(null, form);
    });
    payload.on('error', fail);
    payload.pipe(parser);
  });
}

function decodePart(raw: Buffer, encoding: string): Buffer {
  switch (encoding.toLowerCase()) {
    case 'base64':
      return Buffer.from(raw.toString('latin1').replace(/\s+/g, ''), 'base64');
    case 'quoted-printable':
      return Buffer.from(
        raw.toString('latin1').replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      );
    default:
      return raw;
  }
}
