/**
 * A MAC address in the form PostgreSQL and MAAS print it (`52:54:00:ab:cd:ef`), from any case
 * and with `:` or `-` separators; undefined when it is not one.
 */
export function normaliseMac(text: string): string | undefined {
  const mac = text.trim().toLowerCase().replace(/-/g, ':');
  return /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac) ? mac : undefined;
}
