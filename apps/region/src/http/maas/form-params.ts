import { AppError } from '@ferrum/domain';

/** Django's wording (ProhibitNullCharactersValidator); PostgreSQL text cannot hold U+0000. */
export const NULL_CHARACTERS_MESSAGE = 'Null characters are not allowed.';

/** The 400 MAAS gives for a NUL character in a field. */
export function nullCharactersError(field: string): AppError {
  return AppError.invalid({ [field]: NULL_CHARACTERS_MESSAGE });
}

export interface UploadedFile {
  readonly field: string;
  readonly filename: string;
  readonly contentType: string;
  readonly data: Buffer;
}

/**
 * Request parameters as MAAS reads them: every key may repeat (`tags=a&tags=b` is a list),
 * from the query string, a urlencoded body or a multipart body.
 */
export class FormParams {
  private readonly values = new Map<string, string[]>();
  private firstNullField: string | undefined;
  readonly files: UploadedFile[] = [];

  static fromSearchParams(search: URLSearchParams): FormParams {
    const form = new FormParams();
    for (const [key, value] of search) form.add(key, value);
    return form;
  }

  add(key: string, value: string): void {
    // Noted as values arrive, so that checking a request for NULs costs nothing more.
    if (this.firstNullField === undefined && (value.includes('\0') || key.includes('\0')))
      this.firstNullField = key;
    const list = this.values.get(key);
    if (list) list.push(value);
    else this.values.set(key, [value]);
  }

  /** The first field whose name or value holds a NUL character (files' contents may). */
  nullCharacterField(): string | undefined {
    return (
      this.firstNullField ??
      this.files.find((file) => file.field.includes('\0') || file.filename.includes('\0'))?.field
    );
  }

  /** Whether any key other than `key` is present. */
  hasKeysBesides(key: string): boolean {
    return this.values.size > (this.values.has(key) ? 1 : 0);
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  keys(): string[] {
    return [...this.values.keys()];
  }

  /** The last value of `key` (Django's QueryDict semantics), or undefined. */
  get(key: string): string | undefined {
    return this.values.get(key)?.at(-1);
  }

  getAll(key: string): string[] {
    return this.values.get(key) ?? [];
  }

  /** A required, non-empty value; a 400 naming the field when it is missing. */
  required(key: string): string {
    const value = this.get(key);
    if (value === undefined || value === '') throw AppError.invalid({ [key]: 'This field is required.' });
    return value;
  }

  /** A boolean the way MAAS forms accept them: true/false, 1/0, yes/no, on/off. */
  bool(key: string, fallback: boolean): boolean {
    const value = this.get(key);
    if (value === undefined || value === '') return fallback;
    const word = value.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(word)) return true;
    if (['false', '0', 'no', 'off'].includes(word)) return false;
    throw AppError.invalid({ [key]: `'${value}' is not a boolean (use true or false).` });
  }

  /** An optional whole number within bounds. */
  int(key: string, bounds: { min: number; max: number }): number | undefined {
    const value = this.get(key);
    if (value === undefined || value === '') return undefined;
    if (!/^-?\d+$/.test(value.trim())) throw AppError.invalid({ [key]: `'${value}' is not a whole number.` });
    const n = Number(value);
    if (n < bounds.min || n > bounds.max)
      throw AppError.invalid({ [key]: `Must be between ${bounds.min} and ${bounds.max}.` });
    return n;
  }

  /** These parameters with another set's keys filled in where this one has none. */
  withFallback(other: FormParams): FormParams {
    const merged = new FormParams();
    for (const [key, list] of this.values) for (const v of list) merged.add(key, v);
    for (const [key, list] of other.values) if (!merged.has(key)) for (const v of list) merged.add(key, v);
    merged.files.push(...this.files, ...other.files);
    return merged;
  }
}
