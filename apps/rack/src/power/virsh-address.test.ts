import { describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { parseVirshAddress } from './virsh-address.js';

describe(parseVirshAddress, () => {
  it.each([
    [
      'qemu+ssh://ubuntu@10.113.1.26/system',
      { driver: 'qemu', transport: 'ssh', user: 'ubuntu', host: '10.113.1.26' },
    ],
    ['qemu+ssh://maas@vmhost.lab:2222/system', { transport: 'ssh', user: 'maas', host: 'vmhost.lab' }],
    ['qemu:///system', { driver: 'qemu', transport: 'local', host: '' }],
    ['qemu:///session', { transport: 'local' }],
    ['qemu+tcp://vmhost:16509/system', { transport: 'tcp', host: 'vmhost' }],
    ['qemu://vmhost/system', { transport: 'tls', host: 'vmhost' }],
    ['qemu+ssh://root@[fd00::5]/system', { transport: 'ssh', host: '[fd00::5]' }],
    [
      'test+unix://ferrum@/default?socket=/tmp/x/libvirt-sock',
      { driver: 'test', transport: 'unix', user: 'ferrum' },
    ],
    ['qemu+ssh://u@h/system?no_verify=1&proxy=native', { transport: 'ssh' }],
    ['xen+ssh://root@xenhost/', { driver: 'xen', transport: 'ssh' }],
  ])('reads %s', (uri, expected) => {
    expect(parseVirshAddress(uri)).toMatchObject({ uri, ...expected });
  });

  it.each([
    ['', /is empty/],
    ['vmhost', /not a libvirt URI/],
    ['qemu+ssh://user@host/system ', /white space/],
    ['qemu+ssh://user:hunter2@host/system', /holds a password: put it in power_pass/],
    ['qemu+ext:///system?command=/bin/sh', /ext transport, which runs a program/],
    ['qemu+foo://host/system', /unknown transport 'foo'/],
    ['qemu+ssh://user@host/system?command=/tmp/evil', /parameter 'command'/],
    ['qemu+ssh://user@host/system?%63ommand=/tmp/evil', /parameter '%63ommand'/],
    ['qemu+ssh://user@host/system?netcat=rm%20-rf', /parameter 'netcat'/],
    ['qemu+ssh://user@host/system?keyfile=/root/.ssh/id_rsa', /parameter 'keyfile'/],
    ['qemu+ssh://user@host/system?socket=/x;rm', /malformed value for the parameter 'socket'|parameter 'rm'/],
    ['qemu+ssh://user@host/system?socket=$(reboot)', /malformed value for the parameter 'socket'/],
    ['qemu+ssh://us%er@host/system', /malformed user name/],
  ])('refuses %j', (uri, why) => {
    let error: unknown;
    try {
      parseVirshAddress(uri);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'power_settings_invalid',
      details: { fields: { power_parameters_power_address: [expect.any(String)] } },
    });
    expect((error as Error).message).toMatch(why);
    expect((error as Error).message).not.toContain('hunter2');
  });
});
