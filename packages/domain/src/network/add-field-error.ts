/** Appends a message to a field's list in a MAAS-shaped `{field: [messages]}` error record. */
export function addFieldError(errors: Record<string, string[]>, field: string, message: string): void {
  (errors[field] ??= []).push(message);
}
