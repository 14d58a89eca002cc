import { centosFamily } from './centos.js';
import { customFamily } from './custom.js';
import { debianFamily } from './debian.js';
import { esxiFamily } from './esxi.js';
import type { OsFamily } from './os-family.js';
import { rhelFamily } from './rhel.js';
import { ubuntuFamily } from './ubuntu.js';
import { windowsFamily } from './windows.js';

/** The OS families every rack knows. */
export const builtInOsFamilies: readonly OsFamily[] = [
  ubuntuFamily,
  debianFamily,
  centosFamily,
  rhelFamily,
  windowsFamily,
  esxiFamily,
  customFamily,
];
