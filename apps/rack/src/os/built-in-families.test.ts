import { describe, expect, it } from 'vitest';
import { builtInOsFamilies } from './built-in-families.js';
import { centosFamily } from './centos.js';
import { customFamily } from './custom.js';
import { debianFamily } from './debian.js';
import { esxiFamily } from './esxi.js';
import type { OsFamily } from './os-family.js';
import { rhelFamily } from './rhel.js';
import { ubuntuFamily } from './ubuntu.js';
import { windowsFamily } from './windows.js';

describe('builtInOsFamilies', () => {
  it('holds each family once, under the name MAAS uses', () => {
    expect(builtInOsFamilies.map((f) => f.name)).toEqual([
      'ubuntu',
      'debian',
      'centos',
      'rhel',
      'windows',
      'esxi',
      'custom',
    ]);
  });

  it('lets only Ubuntu commission, and only Windows ask for a license key', () => {
    for (const family of builtInOsFamilies) {
      const commissions = ['noble', 'jammy', 'focal', 'bionic'].some((r) => family.canCommission(r));
      expect(commissions, family.name).toBe(family.name === 'ubuntu');
      expect(family.defaultCommissioningRelease !== '', family.name).toBe(family.name === 'ubuntu');
      expect(family.requiresLicenseKey('win2019'), family.name).toBe(family.name === 'windows');
    }
  });
});

describe('release titles', () => {
  const table: [OsFamily, string, string][] = [
    // Ubuntu: distro-info's fullname; '' for a codename it does not know (MAAS: None).
    [ubuntuFamily, 'noble', 'Ubuntu 24.04 LTS "Noble Numbat"'],
    [ubuntuFamily, 'jammy', 'Ubuntu 22.04 LTS "Jammy Jellyfish"'],
    [ubuntuFamily, 'focal', 'Ubuntu 20.04 LTS "Focal Fossa"'],
    [ubuntuFamily, 'bionic', 'Ubuntu 18.04 LTS "Bionic Beaver"'],
    [ubuntuFamily, 'oracular', 'Ubuntu 24.10 "Oracular Oriole"'],
    [ubuntuFamily, 'plucky', 'Ubuntu 25.04 "Plucky Puffin"'],
    [ubuntuFamily, 'warty-wombat', ''],
    // Debian (Ferrum's own; MAAS has no Debian driver).
    [debianFamily, 'bookworm', 'Debian 12 "bookworm"'],
    [debianFamily, 'trixie', 'Debian 13 "trixie"'],
    [debianFamily, 'bullseye', 'Debian 11 "bullseye"'],
    [debianFamily, 'sid', 'sid'],
    // CentOS: MAAS's own test table (LP: #1654063 hides the minor of 7.0 and 6.6).
    [centosFamily, 'centos6', 'CentOS 6'],
    [centosFamily, 'centos65', 'CentOS 6.5'],
    [centosFamily, 'centos66', 'CentOS 6'],
    [centosFamily, 'centos7', 'CentOS 7'],
    [centosFamily, 'centos70', 'CentOS 7'],
    [centosFamily, 'centos71', 'CentOS 7.1'],
    [centosFamily, 'centos711', 'CentOS 7.1 1'],
    [centosFamily, 'centos71-custom', 'CentOS 7.1 custom'],
    [centosFamily, 'centos8', 'CentOS 8'],
    [centosFamily, 'centos9-stream', 'CentOS 9 stream'],
    [centosFamily, 'cent', 'CentOS cent'],
    // RHEL: minor shown whenever present.
    [rhelFamily, 'rhel7', 'Redhat Enterprise Linux 7'],
    [rhelFamily, 'rhel80', 'Redhat Enterprise Linux 8.0'],
    [rhelFamily, 'rhel94', 'Redhat Enterprise Linux 9.4'],
    [rhelFamily, 'rhel9-custom', 'Redhat Enterprise Linux 9 custom'],
    [rhelFamily, '9', 'Redhat Enterprise Linux 9'],
    // Windows: MAAS's table; releases it does not know keep their name.
    [windowsFamily, 'win2012', 'Windows "Server 2012"'],
    [windowsFamily, 'win2012r2', 'Windows "Server 2012 R2"'],
    [windowsFamily, 'win2012hvr2', 'Windows "Hyper-V Server 2012 R2"'],
    [windowsFamily, 'win2016', 'Windows "Server 2016"'],
    [windowsFamily, 'win2019', 'Windows "Server 2019"'],
    [windowsFamily, 'win2019dc-core', 'Windows "Server 2019 Datecenter Core"'],
    [windowsFamily, 'win10ent', 'Windows "10 Enterprise"'],
    [windowsFamily, 'win2022', 'win2022'],
    // ESXi: MAAS's own test table, plus versions past 9.
    [esxiFamily, '6', 'VMware ESXi 6'],
    [esxiFamily, '6.7', 'VMware ESXi 6.7'],
    [esxiFamily, '6.7.0', 'VMware ESXi 6.7.0'],
    [esxiFamily, '6-custom', 'VMware ESXi 6 custom'],
    [esxiFamily, '6.7-custom', 'VMware ESXi 6.7 custom'],
    [esxiFamily, '6.7.0-custom', 'VMware ESXi 6.7.0 custom'],
    [esxiFamily, 'custom', 'VMware ESXi custom'],
    [esxiFamily, '8.0', 'VMware ESXi 8.0'],
    [esxiFamily, '10.0.1', 'VMware ESXi 10.0.1'],
    // Custom: the name itself.
    [customFamily, 'my-image', 'my-image'],
  ];
  it.each(table.map(([family, release, title]) => [family.name, release, title, family] as const))(
    'titles %s %j as %j',
    (_name, release, title, family) => {
      expect(family.releaseTitle(release)).toBe(title);
    },
  );
});

describe('ubuntuFamily', () => {
  it.each([
    ['noble', true],
    ['jammy', true],
    ['focal', true],
    ['bionic', true],
    ['xenial', false],
    ['trusty', false],
    ['oracular', false],
    ['plucky', false],
    ['no-such-release', false],
  ])('commissions on %s: %s', (release, can) => {
    expect(ubuntuFamily.canCommission(release)).toBe(can);
  });

  it('orders releases by version, codenames it does not know first', () => {
    const sorted = ['plucky', 'mystery', 'focal', 'noble', 'oracular', 'jammy'].sort((a, b) =>
      ubuntuFamily.compareReleases(a, b),
    );
    expect(sorted).toEqual(['mystery', 'focal', 'jammy', 'noble', 'oracular', 'plucky']);
  });
});

describe('windowsFamily', () => {
  it.each([
    ['win2008r2', true],
    ['win2012', true],
    ['win2012r2', true],
    ['win2016', true],
    ['win2016dc-core', true],
    ['win2019', true],
    ['win10ent', true],
    ['win2008hvr2', false],
    ['win2012hv', false],
    ['win2012hvr2', false],
    ['win2016hv', false],
    ['win2022', false],
  ])('requires a license key for %s: %s', (release, requires) => {
    expect(windowsFamily.requiresLicenseKey(release)).toBe(requires);
  });

  it.each([
    ['ABCDE-12345-fghij-67890-KLMNO', true],
    ['00000-00000-00000-00000-00000', true],
    ['ABCDE-12345-FGHIJ-67890', false],
    ['ABCDE-12345-FGHIJ-67890-KLMNO-PQRST', false],
    ['ABCDE-12345-FGHIJ-67890-KLMN', false],
    ['ABCDE12345FGHIJ67890KLMNO', false],
    ['ABCDE-12345-FGHIJ-67890-KLMNO\n', false],
    [' ABCDE-12345-FGHIJ-67890-KLMNO', false],
    ['ABCDE-12345-FGH_J-67890-KLMNO', false],
    ['ÄBCDE-12345-FGHIJ-67890-KLMNO', false],
    ['', false],
  ])('validates %j: %s', (key, valid) => {
    expect(windowsFamily.validateLicenseKey('win2019', key)).toBe(valid);
  });
});
