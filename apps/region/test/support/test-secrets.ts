import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../src/services/secret-box.js';

/** A secret box with a key of its own, for a test region that keeps no data dir. */
export function testSecrets(): SecretBox {
  return new SecretBox(randomBytes(32));
}
