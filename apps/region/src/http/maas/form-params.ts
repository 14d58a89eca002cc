import { AppError } from '@ferrum/domain';

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
  readonly files: UploadedFile[] = [];

  static fromSearchParams(search: URLSearchParams): FormParams {
    const form = new FormParams();
    for (const [key, value] of search) form.add(key, value);
    return form;
  }

  add(key: string, value: string): void {
    const list = this.values.get(key);
    if (list) list.push(value);
    else this.values.set(key, [value]);
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
    if (n < bounds.min || n > bounds.max) throw AppError.invalid({ [key]: `Must be between ${bounds.min} and ${bounds.max}.` });
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
