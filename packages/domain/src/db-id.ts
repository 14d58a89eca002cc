/** The largest id a PostgreSQL `serial` (int4) column holds. */
export const MAX_DB_ID = 2147483647;

/**
 * A database id from a URL or form value: ASCII digits only, 1 to {@link MAX_DB_ID}
 * (leading zeros allowed, as Python's `int()` reads them). Undefined for anything else.
 */
export function parseId(text: string | undefined): number | undefined {
  if (text === undefined || !/^[0-9]{1,20}$/.test(text)) return undefined;
  const id = Number(text);
  return id >= 1 && id <= MAX_DB_ID ? id : undefined;
}

/** True when `text` is a database id as {@link parseId} reads it. */
export function isDbId(text: string): boolean {
  return parseId(text) !== undefined;
}
