import { AppError } from '@ferrum/domain';
import type { FormParams } from '../maas/form-params.js';

/**
 * `op=deploy`'s `user_data`: base64 of the cloud-init user data (MAAS's parameter), decoded;
 * undefined when not given. 400 naming the field when it is not base64.
 */
export function deployUserData(form: FormParams): Buffer | undefined {
  const raw = form.get('user_data');
  if (raw === undefined || raw === '') return undefined;
  const compact = raw.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0)
    throw AppError.invalid({ user_data: 'Expected base64-encoded user data.' });
  return Buffer.from(compact, 'base64');
}
