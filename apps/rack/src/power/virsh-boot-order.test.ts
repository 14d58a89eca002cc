import { describe, expect, it } from 'vitest';
import { networkFirstBootOrder } from './virsh-boot-order.js';

// `virsh dumpxml --inactive` as libvirt 9.0 prints it (the test driver's sample domain, trimmed).
const osBoot = `<domain type='test'>
  <name>test</name>
  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
  <memory unit='KiB'>8388608</memory>
  <os>
    <type arch='i686'>hvm</type>
    <boot dev='hd'/>
    <boot dev='cdrom'/>
    <bootmenu enable='yes'/>
  </os>
  <devices>
    <interface type='network'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
      <source network='default'/>
    </interface>
  </devices>
</domain>
`;

const perDevice = `<domain type='kvm'>
  <name>vm</name>
  <os firmware='efi'>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/var/lib/libvirt/images/vm.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <boot order='1'/>
    </disk>
    <disk type='file' device='cdrom'>
      <target dev='sda' bus='sata'/>
      <boot order='2'/>
    </disk>
    <interface type='bridge'>
      <mac address='52:54:00:00:00:01'/>
      <source bridge='br0'/>
    </interface>
    <interface type='bridge'>
      <mac address='52:54:00:00:00:02'/>
      <source bridge='br1'/>
    </interface>
  </devices>
</domain>
`;

const bootDevs = (xml: string) => [...xml.matchAll(/<boot dev='(\w+)'\/>/g)].map((m) => m[1]);
const orderOf = (xml: string, element: string, marker: string) =>
  new RegExp(
    `<${element}\\b[^>]*>(?:(?!</${element}>)[\\s\\S])*?${marker}(?:(?!</${element}>)[\\s\\S])*?<boot order='(\\d+)'/>`,
  ).exec(xml)?.[1];

describe(networkFirstBootOrder, () => {
  it('replaces the boot devices under <os> by network then hd, as MAAS does', () => {
    const edit = networkFirstBootOrder(osBoot);
    if (edit.kind !== 'changed') throw new Error(`expected a change, got ${edit.kind}`);
    expect(bootDevs(edit.xml)).toEqual(['network', 'hd']);
    expect(edit.xml).toContain("<bootmenu enable='yes'/>");
    expect(edit.xml).toContain(`    <boot dev='network'/>\n    <boot dev='hd'/>\n  </os>`);
    // Only the boot lines changed.
    expect(edit.xml.replace(/ *<boot dev='\w+'\/>\n/g, '')).toBe(
      osBoot.replace(/ *<boot dev='\w+'\/>\n/g, ''),
    );
  });

  it('adds the boot devices when <os> names none', () => {
    const edit = networkFirstBootOrder(osBoot.replace(/ *<boot dev='\w+'\/>\n/g, ''));
    expect(edit.kind === 'changed' && bootDevs(edit.xml)).toEqual(['network', 'hd']);
  });

  it('leaves a domain that already boots network then hd as it is', () => {
    const done = networkFirstBootOrder(osBoot);
    if (done.kind !== 'changed') throw new Error('expected a change');
    expect(networkFirstBootOrder(done.xml)).toEqual({ kind: 'unchanged' });
  });

  it('moves the first interface to the front when the devices carry their own boot order', () => {
    const edit = networkFirstBootOrder(perDevice);
    if (edit.kind !== 'changed') throw new Error(`expected a change, got ${edit.kind}`);
    expect(orderOf(edit.xml, 'interface', '52:54:00:00:00:01')).toBe('1');
    expect(orderOf(edit.xml, 'disk', 'vda')).toBe('2');
    expect(orderOf(edit.xml, 'disk', 'sda')).toBe('3');
    expect(orderOf(edit.xml, 'interface', '52:54:00:00:00:02')).toBeUndefined();
    expect(edit.xml).toContain("      <source bridge='br0'/>\n      <boot order='1'/>\n    </interface>");
    expect(bootDevs(edit.xml)).toEqual([]);
    expect(networkFirstBootOrder(edit.xml)).toEqual({ kind: 'unchanged' });
  });

  it('keeps the interface the user already boots from, moving it first', () => {
    const chosen = perDevice.replace(
      "<source bridge='br1'/>\n",
      "<source bridge='br1'/>\n      <boot order='3'/>\n",
    );
    const edit = networkFirstBootOrder(chosen);
    if (edit.kind !== 'changed') throw new Error(`expected a change, got ${edit.kind}`);
    expect(orderOf(edit.xml, 'interface', '52:54:00:00:00:02')).toBe('1');
    expect(orderOf(edit.xml, 'disk', 'vda')).toBe('2');
    expect(orderOf(edit.xml, 'disk', 'sda')).toBe('3');
    expect(orderOf(edit.xml, 'interface', '52:54:00:00:00:01')).toBeUndefined();
  });

  it('cannot boot from the network a domain with per-device order and no interface', () => {
    const noNic = perDevice.replace(/ *<interface[\s\S]*?<\/interface>\n/g, '');
    expect(networkFirstBootOrder(noNic)).toEqual({
      kind: 'impossible',
      why: 'it has no network interface to boot from',
    });
  });

  it('ignores look-alike elements in <metadata> and comments', () => {
    const decoy = osBoot.replace(
      '  <os>',
      "  <metadata>\n    <app:x xmlns:app='urn:x'><os><boot dev='fd'/></os><devices><boot order='1'/></devices></app:x>\n  </metadata>\n  <!-- <os><boot dev='fd'/></os> -->\n  <os>",
    );
    const edit = networkFirstBootOrder(decoy);
    if (edit.kind !== 'changed') throw new Error(`expected a change, got ${edit.kind}`);
    expect(edit.xml).toContain(
      "<app:x xmlns:app='urn:x'><os><boot dev='fd'/></os><devices><boot order='1'/></devices></app:x>",
    );
    expect(edit.xml).toContain("<!-- <os><boot dev='fd'/></os> -->");
    expect(bootDevs(edit.xml.slice(edit.xml.indexOf('-->')))).toEqual(['network', 'hd']);
  });

  it('says when the definition has no <os>', () => {
    expect(networkFirstBootOrder("<domain type='test'><name>x</name></domain>")).toMatchObject({
      kind: 'impossible',
    });
  });
});
