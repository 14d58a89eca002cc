import busboy from 'busboy';
import type { FastifyInstance } from 'fastify';
import { AppError } from '@ferrum/domain';
import { FormParams } from './form-params.js';

/** How much of a request body the region reads before answering 413. */
export interface BodyLimits {
  /** The whole body, in bytes, whatever its format (also Fastify's `bodyLimit`, for JSON). */
  readonly bodyBytes: number;
  /** One multipart field without a filename (as sent on the wire, before base64 decoding). */
  readonly fieldBytes: number;
  /** Multipart fields without a filename. */
  readonly fields: number;
  /** Multipart parts with a filename (uploads such as `content@=file`). */
  readonly files: number;
}

/**
 * 64 MiB bodies; 2.5 MiB per field, 1000 fields and 100 files: Django's defaults
 * (DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_NUMBER_FIELDS, DATA_UPLOAD_MAX_NUMBER_FILES),
 * which MAAS keeps. An upload may use the whole body limit.
 */
export const defaultBodyLimits: BodyLimits = {
  bodyBytes: 64 * 1024 * 1024,
  fieldBytes: 2.5 * 1024 * 1024,
  fields: 1000,
  files: 100,
};

/** A client error Fastify's error handler answers with its status and message (413 here). */
class BodyTooLargeError extends Error {
  readonly statusCode = 413;
  readonly code = 'FST_ERR_CTP_BODY_TOO_LARGE';
}

function sizeText(bytes: number): string {
  const [unit, scale] =
    bytes >= 1024 * 1024 ? ['MiB', 1024 * 1024] : bytes >= 1024 ? ['KiB', 1024] : ['bytes', 1];
  return `${String(Math.round((bytes / scale) * 100) / 100)} ${unit}`;
}

/**
 * Registers the two body formats MAAS clients send: urlencoded (gomaasapi) and multipart
 * (the maas CLI, which base64-encodes every part with `Content-Transfer-Encoding: base64`,
 * a transfer encoding busboy does not decode by itself).
 * Both parse into FormParams; repeated keys become lists.
 */
export function registerBodyParsers(app: FastifyInstance, limits: BodyLimits = defaultBodyLimits): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: limits.bodyBytes },
    (_req, body, done) => {
      done(null, FormParams.fromSearchParams(new URLSearchParams(body as string)));
    },
  );

  // Fastify applies `bodyLimit` only to parsers that let it buffer the body (`parseAs`), and
  // busboy's own limits default to none: this parser enforces every limit itself. It runs
  // before authentication (Fastify parses bodies before handlers), so the limits are what
  // bounds an anonymous caller's cost.
  app.addContentTypeParser('multipart/form-data', (req, payload, done) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limits.bodyBytes) {
      done(
        new BodyTooLargeError(
          `Request body is too large: ${String(declared)} bytes declared, the limit is ${sizeText(limits.bodyBytes)}.`,
        ),
        undefined,
      );
      return;
    }
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: {
          // busboy counts a field of exactly `fieldSize` bytes as truncated, hence the + 1.
          fieldSize: limits.fieldBytes + 1,
          // No file can outgrow the body; this only lifts busboy's per-file cap out of the way.
          fileSize: limits.bodyBytes + 1,
          fields: limits.fields,
          files: limits.files,
          // busboy signals `partsLimit` once this many parts are complete: one more than fields
          // and files together can be is only reached by parts busboy skips (no disposition).
          parts: limits.fields + limits.files + 1,
        },
      });
    } catch (error) {
      done(
        new AppError('validation_failed', `Malformed multipart body: ${(error as Error).message}`),
        undefined,
      );
      return;
    }
    const form = new FormParams();
    let received = 0;
    let finished = false;
    let filesOpen = 0;
    let parserClosed = false;
    const finish = (error: Error | undefined): void => {
      if (finished) return;
      finished = true;
      if (error) {
        payload.off('data', count);
        payload.unpipe(parser);
        parser.destroy();
        done(error, undefined);
      } else done(null, form);
    };
    const tooLarge = (message: string): void => {
      finish(new BodyTooLargeError(message));
    };
    const malformed = (error: unknown): void => {
      finish(new AppError('validation_failed', `Malformed multipart body: ${(error as Error).message}`));
    };
    const count = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limits.bodyBytes)
        tooLarge(`Request body is too large: the limit is ${sizeText(limits.bodyBytes)}.`);
    };
    const maybeDone = (): void => {
      if (parserClosed && filesOpen === 0) finish(undefined);
    };

    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) {
        tooLarge(
          `Multipart field '${name}' is too large: the limit is ${sizeText(limits.fieldBytes)} a field (send large content as a file).`,
        );
        return;
      }
      // busboy has already decoded plain parts with their charset (UTF-8 by default); only
      // base64 and quoted-printable parts (ASCII on the wire) need decoding to bytes and back.
      const encoding = info.encoding.toLowerCase();
      form.add(
        name,
        encoding === 'base64' || encoding === 'quoted-printable'
          ? decodePart(Buffer.from(value, 'latin1'), encoding).toString('utf8')
          : value,
      );
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      filesOpen++;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      // Destroying the parser (on a limit) destroys the open file stream with an error.
      stream.on('error', malformed);
      stream.on('end', () => {
        filesOpen--;
        if (stream.truncated) {
          tooLarge(`Uploaded file '${name}' is too large: the limit is ${sizeText(limits.bodyBytes)}.`);
          return;
        }
        const data = decodePart(Buffer.concat(chunks), info.encoding);
        // Parts with a filename are uploads (`maas … key@=file`); handlers read them from `files`.
        form.files.push({ field: name, filename: info.filename ?? '', contentType: info.mimeType, data });
        maybeDone();
      });
    });
    parser.on('fieldsLimit', () => {
      tooLarge(`Too many multipart fields: the limit is ${String(limits.fields)}.`);
    });
    parser.on('filesLimit', () => {
      tooLarge(`Too many uploaded files: the limit is ${String(limits.files)}.`);
    });
    parser.on('partsLimit', () => {
      tooLarge(`Too many multipart parts: the limit is ${String(limits.fields + limits.files)}.`);
    });
    parser.on('error', malformed);
    parser.on('close', () => {
      parserClosed = true;
      maybeDone();
    });
    payload.on('error', malformed);
    payload.on('data', count);
    payload.pipe(parser);
  });
}

function decodePart(raw: Buffer, encoding: string): Buffer {
  switch (encoding.toLowerCase()) {
    case 'base64':
      return Buffer.from(raw.toString('latin1').replace(/\s+/g, ''), 'base64');
    case 'quoted-printable':
      return Buffer.from(
        raw
          .toString('latin1')
          .replace(/=\r?\n/g, '')
          .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      );
    default:
      return raw;
  }
}
