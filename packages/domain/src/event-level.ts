/** Event levels as MAAS numbers them: Python logging levels, plus AUDIT = 0 for audit events, which level filters other than AUDIT never select. */
export const eventLevels = { DEBUG: 10, INFO: 20, AUDIT: 0, WARNING: 30, ERROR: 40, CRITICAL: 50 } as const;

export type EventLevelName = keyof typeof eventLevels;

export function isEventLevelName(value: string): value is EventLevelName {
  return Object.hasOwn(eventLevels, value);
}
