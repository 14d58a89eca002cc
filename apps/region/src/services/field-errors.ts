import { AppError } from '@ferrum/domain';

/** A form's errors as MAAS collects them: field (or `__all__`) → messages, in order. */
export class FieldErrors {
  readonly byField: Record<string, string[]> = {};

  add(field: string, message: string): void {
    (this.byField[field] ??= []).push(message);
  }

  /** Adds every message of a `{field: [messages]}` record. */
  addAll(errors: Readonly<Record<string, readonly string[]>>): void {
    for (const [field, messages] of Object.entries(errors)) for (const m of messages) this.add(field, m);
  }

  has(field?: string): boolean {
    return field === undefined ? Object.keys(this.byField).length > 0 : field in this.byField;
  }

  /** Throws the 400 naming every field with a problem, when there is one. */
  throwIfAny(): void {
    if (this.has()) throw AppError.invalid(this.byField);
  }
}
