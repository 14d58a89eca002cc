import { AppError } from '@ferrum/domain';
import { isUniqueViolation } from '../db/pg-errors.js';

/**
 * A duplicate name is a form error in MAAS (Django's unique check: 400 with
 * `{"name": ["Zone with this Name already exists."]}`), not a 409: clients show it as a
 * validation problem. Every service answers duplicates that way, including a concurrent
 * insert that loses the race on the unique index. Other errors come back unchanged.
 */
export function uniqueNameError(error: unknown, label: string): unknown {
  return isUniqueViolation(error)
    ? AppError.invalid({ name: `${label} with this Name already exists.` })
    : error;
}
