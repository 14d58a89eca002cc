import { randomBytes } from 'node:crypto';

/**
 * A `multipart/form-data` body (RFC 7578), built in one buffer: fields, then files with their
 * names as filenames (MAAS's runner sends each result file so). Cheaper than fetch's FormData,
 * which streams every part through web streams; the simulator sends a thousand a second.
 */
export class MultipartForm {
  private readonly parts: Buffer[] = [];
  private readonly boundary = `----ferrum-sim-${randomBytes(12).toString('hex')}`;

  /** A text field. Names are the simulator's own (no quotes or line breaks to escape). */
  field(name: string, value: string): this {
    this.parts.push(
      Buffer.from(`--${this.boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
    return this;
  }

  /** A file part named `name`, its filename the same. */
  file(name: string, content: string | Buffer): this {
    this.parts.push(
      Buffer.from(
        `--${this.boundary}\r\ncontent-disposition: form-data; name="${name}"; filename="${name}"\r\ncontent-type: application/octet-stream\r\n\r\n`,
      ),
      typeof content === 'string' ? Buffer.from(content) : content,
      Buffer.from('\r\n'),
    );
    return this;
  }

  get contentType(): string {
    return `multipart/form-data; boundary=${this.boundary}`;
  }

  body(): Buffer {
    return Buffer.concat([...this.parts, Buffer.from(`--${this.boundary}--\r\n`)]);
  }
}
