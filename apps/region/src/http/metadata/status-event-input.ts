import { gunzipSync } from 'node:zlib';
import { AppError } from '@ferrum/domain';
import type { StatusEvent } from '../../services/metadata-status-events.js';

const eventTypes = ['start', 'progress', 'finish'] as const;
const results = ['SUCCESS', 'FAILURE', 'WARN'] as const;

function stringField(body: Record<string, unknown>, name: string, required: boolean): string {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required) throw AppError.invalid({ [name]: 'This field is required.' });
    return '';
  }
  if (typeof value !== 'string') throw AppError.invalid({ [name]: 'Expected a string.' });
  if (value.includes('\0')) throw AppError.invalid({ [name]: 'Null characters are not allowed.' });
  return value;
}

function files(body: Record<string, unknown>): StatusEvent['files'] {
  const list = body['files'];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw AppError.invalid({ files: 'Expected a list of files.' });
  return list.map((item: unknown, i) => {
    const field = `files[${String(i)}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item))
      throw AppError.invalid({ [field]: 'Expected an object with name, encoding and content.' });
    const file = item as Record<string, unknown>;
    const name = file['name'] ?? file['path'];
    if (typeof name !== 'string' || name === '' || name.includes('\0'))
      throw AppError.invalid({ [`${field}.name`]: 'This field is required.' });
    if (file['encoding'] !== 'base64')
      throw AppError.invalid({ [`${field}.encoding`]: "Only 'base64' is supported." });
    const content = file['content'];
    if (typeof content !== 'string' || !/^[A-Za-z0-9+/=\s]*$/.test(content))
      throw AppError.invalid({ [`${field}.content`]: 'Expected base64 text.' });
    let data = Buffer.from(content, 'base64');
    const compression = file['compression'];
    if (compression === 'gzip') {
      try {
        data = gunzipSync(data);
      } catch {
        throw AppError.invalid({ [`${field}.content`]: 'Not valid gzip data.' });
      }
    } else if (compression !== undefined && compression !== null)
      // Node has no bzip2: curtin and cloud-init send files uncompressed unless told otherwise.
      throw AppError.invalid({ [`${field}.compression`]: "Only 'gzip' compression is supported." });
    return { name, data };
  });
}

/** Parses one cloud-init/curtin reporting event (the raw body, whatever its Content-Type). */
export function statusEventInput(raw: Buffer | undefined): StatusEvent {
  if (raw === undefined || raw.length === 0) throw AppError.invalid({ body: 'Expected a JSON object.' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw AppError.invalid({ body: `Not valid JSON: ${(error as Error).message}` });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw AppError.invalid({ body: 'Expected a JSON object.' });
  const body = parsed as Record<string, unknown>;
  const eventType = stringField(body, 'event_type', true);
  if (!(eventTypes as readonly string[]).includes(eventType))
    throw AppError.invalid({
      event_type: `Unknown event_type '${eventType}' (expected start, progress or finish).`,
    });
  const result = stringField(body, 'result', false);
  if (result !== '' && !(results as readonly string[]).includes(result))
    throw AppError.invalid({ result: `Unknown result '${result}' (expected SUCCESS, FAILURE or WARN).` });
  return {
    eventType: eventType as StatusEvent['eventType'],
    origin: stringField(body, 'origin', false) || 'unknown',
    name: stringField(body, 'name', true),
    description: stringField(body, 'description', false),
    result: result === '' ? undefined : (result as StatusEvent['result']),
    files: files(body),
  };
}
