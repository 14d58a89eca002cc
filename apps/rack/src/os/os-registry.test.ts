import { fileURLToPath } from 'node:url';
import { osList } from '@ferrum/protocol';
import { describe, expect, it } from 'vitest';
import { BootImageCache } from '../images/boot-image-cache.js';
import type { BootImage, BootImageSource } from '../images/boot-image.js';
import { OsRegistry } from './os-registry.js';

const fixture = fileURLToPath(new URL('../../test/fixtures/images', import.meta.url));
const onFixture = () => new OsRegistry(new BootImageCache(fixture));

/** A source holding images `os/arch/subarch/release/label`, one file each. */
function held(...paths: string[]): BootImageSource {
  const images = paths.map((p): BootImage => {
    const [osystem = '', architecture = '', subarchitecture = '', release = '', label = ''] = p.split('/');
    return { osystem, architecture, subarchitecture, release, label, files: ['root-tgz'] };
  });
  return { scan: () => Promise.resolve(images.map((i) => ({ ...i, files: [...i.files] }))) };
}

describe(OsRegistry, () => {
  describe('list', () => {
    it('lists the OSes the fixture holds, with the releases held, as the os.list schema wants', async () => {
      const answer = await onFixture().list();
      expect(osList.checkResult(answer)).toEqual({ ok: true, value: answer });
      expect(answer).toEqual({
        osystems: [
          {
            name: 'centos',
            title: 'CentOS',
            releases: [
              {
                name: 'centos9-stream',
                title: 'CentOS 9 stream',
                requiresLicenseKey: false,
                canCommission: false,
              },
            ],
            // centos70 (MAAS's default) is not held: the newest held release stands in.
            defaultRelease: 'centos9-stream',
            defaultCommissioningRelease: '',
          },
          {
            name: 'custom',
            title: 'Custom',
            releases: [
              { name: 'my-image', title: 'my-image', requiresLicenseKey: false, canCommission: false },
            ],
            defaultRelease: '',
            defaultCommissioningRelease: '',
          },
          {
            name: 'ubuntu',
            title: 'Ubuntu',
            // noble is held for two arches: listed once.
            releases: [
              {
                name: 'jammy',
                title: 'Ubuntu 22.04 LTS "Jammy Jellyfish"',
                requiresLicenseKey: false,
                canCommission: true,
              },
              {
                name: 'noble',
                title: 'Ubuntu 24.04 LTS "Noble Numbat"',
                requiresLicenseKey: false,
                canCommission: true,
              },
            ],
            defaultRelease: 'noble',
            defaultCommissioningRelease: 'noble',
          },
          {
            name: 'windows',
            title: 'Windows',
            releases: [
              { name: 'win2022', title: 'win2022', requiresLicenseKey: false, canCommission: false },
            ],
            defaultRelease: 'win2022',
            defaultCommissioningRelease: '',
          },
        ],
      });
    });

    it('lists nothing for an empty cache', async () => {
      expect(await new OsRegistry(held()).list()).toEqual({ osystems: [] });
    });

    it('deduplicates a release held for several arches and labels', async () => {
      const { osystems } = await new OsRegistry(
        held(
          'ubuntu/amd64/ga-24.04/noble/stable',
          'ubuntu/amd64/hwe-24.04/noble/stable',
          'ubuntu/arm64/ga-24.04/noble/candidate',
        ),
      ).list();
      expect(osystems.map((o) => [o.name, o.releases.map((r) => r.name)])).toEqual([['ubuntu', ['noble']]]);
    });

    it('includes an OS no family knows, titled by its name, releases by theirs, no default', async () => {
      const { osystems } = await new OsRegistry(held('freebsd/amd64/generic/14.1/uploaded')).list();
      expect(osystems).toEqual([
        {
          name: 'freebsd',
          title: 'freebsd',
          releases: [{ name: '14.1', title: '14.1', requiresLicenseKey: false, canCommission: false }],
          defaultRelease: '',
          defaultCommissioningRelease: '',
        },
      ]);
    });

    it.each([
      // [held ubuntu releases, defaultRelease, defaultCommissioningRelease]
      [['noble', 'jammy', 'plucky'], 'noble', 'noble'],
      [['jammy', 'focal'], 'jammy', 'jammy'],
      [['focal', 'plucky', 'oracular'], 'plucky', 'focal'],
      [['oracular'], 'oracular', ''],
      [['xenial', 'mystery'], 'xenial', ''],
    ])('with ubuntu %j held, defaults to %j and commissions on %j', async (releases, def, commissioning) => {
      const registry = new OsRegistry(held(...releases.map((r) => `ubuntu/amd64/generic/${r}/stable`)));
      const [ubuntu] = (await registry.list()).osystems;
      expect([ubuntu?.defaultRelease, ubuntu?.defaultCommissioningRelease]).toEqual([def, commissioning]);
    });

    it.each([
      ['windows', ['win2016', 'win2019', 'win2012r2'], 'win2019'],
      ['windows', ['win2012', 'win2016'], 'win2016'],
      ['centos', ['centos70', 'centos8'], 'centos70'],
      ['centos', ['centos8-stream', 'centos9-stream', 'centos10-stream'], 'centos10-stream'],
      ['rhel', ['rhel8', 'rhel9'], 'rhel9'],
      ['esxi', ['6.7', '8.0'], '6.7'],
      ['esxi', ['7.0', '8.0u2'], '8.0u2'],
      ['debian', ['bookworm', 'bullseye'], 'bookworm'],
      ['custom', ['a', 'b'], ''],
    ])('defaults %s with %j held to %j', async (osystem, releases, def) => {
      const registry = new OsRegistry(held(...releases.map((r) => `${osystem}/amd64/generic/${r}/stable`)));
      expect((await registry.list()).osystems[0]?.defaultRelease).toBe(def);
    });

    it('marks the Windows editions MAAS licenses as needing a key', async () => {
      const { osystems } = await new OsRegistry(
        held('windows/amd64/generic/win2019/stable', 'windows/amd64/generic/win2012hvr2/stable'),
      ).list();
      expect(osystems[0]?.releases.map((r) => [r.name, r.title, r.requiresLicenseKey])).toEqual([
        ['win2012hvr2', 'Windows "Hyper-V Server 2012 R2"', false],
        ['win2019', 'Windows "Server 2019"', true],
      ]);
    });
  });

  describe('releaseTitle', () => {
    it.each([
      ['ubuntu', 'noble', 'Ubuntu 24.04 LTS "Noble Numbat"'],
      ['ubuntu', 'jammy', 'Ubuntu 22.04 LTS "Jammy Jellyfish"'],
      ['ubuntu', 'not-a-codename', ''],
      ['centos', 'centos9-stream', 'CentOS 9 stream'],
      ['windows', 'win2012r2', 'Windows "Server 2012 R2"'],
      ['esxi', '8.0', 'VMware ESXi 8.0'],
      ['debian', 'bookworm', 'Debian 12 "bookworm"'],
      // Known families answer for releases not held, too.
      ['rhel', 'rhel81', 'Redhat Enterprise Linux 8.1'],
      ['custom', 'anything-at-all', 'anything-at-all'],
      // An OS neither built in nor held: MAAS raises NoSuchOperatingSystem; the RPC answers ''.
      ['plan9', 'fourth', ''],
    ])('titles %s %s as %j', async (osystem, release, title) => {
      expect(await onFixture().releaseTitle(osystem, release)).toBe(title);
    });

    it('titles a release of an unknown OS the cache holds by its name', async () => {
      const registry = new OsRegistry(held('freebsd/amd64/generic/14.1/uploaded'));
      expect(await registry.releaseTitle('freebsd', '14.1')).toBe('14.1');
      expect(await registry.releaseTitle('openbsd', '7.5')).toBe('');
    });
  });

  describe('validateLicenseKey', () => {
    it.each([
      ['windows', 'win2019', 'ABCDE-12345-FGHIJ-67890-KLMNO', true],
      ['windows', 'win2012r2', 'abcde-12345-fghij-67890-klmno', true],
      ['windows', 'win2019', 'ABCDE-12345-FGHIJ-67890', false],
      ['windows', 'win2019', 'ABCDE-12345-FGHIJ-67890-KLMN!', false],
      ['ubuntu', 'noble', 'ABCDE-12345-FGHIJ-67890-KLMNO', false],
      ['custom', 'my-image', 'ABCDE-12345-FGHIJ-67890-KLMNO', false],
      ['plan9', 'fourth', 'ABCDE-12345-FGHIJ-67890-KLMNO', false],
    ])('for %s %s, %j is valid: %s', async (osystem, release, key, valid) => {
      expect(await onFixture().validateLicenseKey(osystem, release, key)).toBe(valid);
    });
  });

  describe('architectures', () => {
    it('lists each arch/subarch held once, sorted', async () => {
      expect(await onFixture().architectures()).toEqual([
        'amd64/ga-22.04',
        'amd64/ga-24.04',
        'amd64/generic',
        'arm64/ga-24.04',
      ]);
    });

    it('lists none for an empty cache', async () => {
      expect(await new OsRegistry(held()).architectures()).toEqual([]);
    });
  });

  describe('images', () => {
    it('answers the images the cache holds, as images.list carries them', async () => {
      const images = await onFixture().images();
      expect(
        images.map((i) => `${i.osystem}/${i.architecture}/${i.subarchitecture}/${i.release}/${i.label}`),
      ).toEqual([
        'centos/amd64/generic/centos9-stream/stable',
        'custom/amd64/generic/my-image/uploaded',
        'ubuntu/amd64/ga-22.04/jammy/stable',
        'ubuntu/amd64/ga-24.04/noble/stable',
        'ubuntu/arm64/ga-24.04/noble/stable',
        'windows/amd64/generic/win2022/stable',
      ]);
    });
  });
});
