import { describe, expect, it } from 'vitest';
import { packageOf } from './tool-packages.js';

describe(packageOf, () => {
  it.each([
    ['ipmitool', 'ipmitool'],
    ['virsh', 'libvirt-clients'],
    ['fence_ipmilan', 'fence-agents'],
    ['ssh', 'openssh-client'],
    ['some-tool', 'some-tool'],
  ])('names the Debian package of %s: %s', (tool, pkg) => {
    expect(packageOf(tool)).toBe(pkg);
  });
});
