import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

/** Where Ferrum keeps its data: `/var/lib/ferrum` for root (a service), else `~/.local/share/ferrum`. */
export function defaultDataDir(): string {
  return userInfo().uid === 0 ? '/var/lib/ferrum' : join(homedir(), '.local', 'share', 'ferrum');
}
