import { AppError } from '@ferrum/domain';

/** A JSON object of the resources document. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** An element of an array in the document, with its path (`resources.storage.disks[2]`). */
export interface Located {
  readonly value: JsonObject;
  readonly path: string;
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads the fields of a resources document, checking each one's type and collecting every
 * problem by its path (`resources.storage.disks[2].size`), so a bad document is refused with
 * all its problems at once. Absent and null are the same (LXD's Go structs write an empty
 * slice as null: `"cards": null`).
 */
export class ResourceFields {
  private readonly problems: Record<string, string> = {};

  /** The object at `key`; undefined when absent (a problem when `required`) or not an object. */
  object(parent: JsonObject, key: string, path: string, required = false): JsonObject | undefined {
    const value = parent[key];
    const at = join(path, key);
    if (value === undefined || value === null) {
      if (required) this.add(at, 'This section is required.');
      return undefined;
    }
    if (!isObject(value)) {
      this.add(at, 'Expected an object.');
      return undefined;
    }
    return value;
  }

  /** The objects of the array at `key` (none when it is absent or null). */
  objects(parent: JsonObject, key: string, path: string, required = false): Located[] {
    const value = parent[key];
    const at = join(path, key);
    if (value === undefined || value === null) {
      if (required) this.add(at, 'This field is required.');
      return [];
    }
    if (!Array.isArray(value)) {
      this.add(at, 'Expected an array.');
      return [];
    }
    const out: Located[] = [];
    value.forEach((item: unknown, i) => {
      const itemPath = `${at}[${String(i)}]`;
      if (isObject(item)) out.push({ value: item, path: itemPath });
      else this.add(itemPath, 'Expected an object.');
    });
    return out;
  }

  /** The strings of the array at `key` (none when absent). */
  strings(parent: JsonObject, key: string, path: string): string[] | undefined {
    const value = parent[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
      this.add(join(path, key), 'Expected an array of strings.');
      return undefined;
    }
    return value;
  }

  string(parent: JsonObject, key: string, path: string, required = false): string | undefined {
    const value = parent[key];
    if (value === undefined || value === null) {
      if (required) this.add(join(path, key), 'This field is required.');
      return undefined;
    }
    if (typeof value !== 'string') {
      this.add(join(path, key), 'Expected a string.');
      return undefined;
    }
    return value;
  }

  /** A whole number, 0 or more. */
  count(parent: JsonObject, key: string, path: string, required = false): number | undefined {
    const value = this.number(parent, key, path, required);
    if (value !== undefined && !Number.isInteger(value)) {
      this.add(join(path, key), 'Expected a whole number.');
      return undefined;
    }
    return value;
  }

  /** A finite number, 0 or more. */
  number(parent: JsonObject, key: string, path: string, required = false): number | undefined {
    const value = parent[key];
    if (value === undefined || value === null) {
      if (required) this.add(join(path, key), 'This field is required.');
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      this.add(join(path, key), 'Expected a number, 0 or more.');
      return undefined;
    }
    return value;
  }

  bool(parent: JsonObject, key: string, path: string): boolean | undefined {
    const value = parent[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') {
      this.add(join(path, key), 'Expected true or false.');
      return undefined;
    }
    return value;
  }

  add(path: string, message: string): void {
    this.problems[path] ??= message;
  }

  /** Refuses the document (400 `validation_failed`, every problem by its path) when it has any. */
  throwIfAny(): void {
    if (Object.keys(this.problems).length > 0) throw AppError.invalid(this.problems);
  }
}

/** `path.key`, or `key` at the root. */
export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Whether `value` is a JSON object (not an array, not null). */
export { isObject };
