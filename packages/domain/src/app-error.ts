import type { ErrorCode } from './error-code.js';

/** Field name → messages, the shape MAAS returns for form validation errors. */
export type FieldErrors = Readonly<Record<string, readonly string[]>>;

export interface AppErrorDetails {
  /** Per-field validation messages; rendered as MAAS's `{"field": ["msg"]}` body. */
  readonly fields?: FieldErrors;
  /** Seconds a client should wait before retrying (`Retry-After`). */
  readonly retryAfterSeconds?: number;
  readonly [key: string]: unknown;
}

/** The one error type services throw; adapters map `code` to their wire format. */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly details: AppErrorDetails;

  constructor(code: ErrorCode, message: string, details: AppErrorDetails = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }

  /** A validation error naming each offending field. */
  static invalid(fields: Record<string, string | readonly string[]>): AppError {
    const normalised: Record<string, readonly string[]> = {};
    for (const [field, messages] of Object.entries(fields)) {
      normalised[field] = typeof messages === 'string' ? [messages] : messages;
    }
    const summary = Object.entries(normalised)
      .map(([field, messages]) => `${field}: ${messages.join(' ')}`)
      .join('; ');
    return new AppError('validation_failed', summary, { fields: normalised });
  }
}
