import { describe, expect, it } from 'vitest';
import { alreadyOff, classifyVirsh } from './virsh-errors.js';

// virsh 9.0's own words (stderr), from runs against a private libvirtd, dead ports and hosts.
const connect = 'error: failed to connect to the hypervisor\n';

describe(classifyVirsh, () => {
  it.each([
    [
      'a wrong SASL password',
      `${connect}error: authentication failed: authentication failed`,
      'power_auth_failed',
    ],
    [
      'no SASL user name',
      `${connect}error: authentication failed: Failed to start SASL negotiation: -1 (SASL(-1): generic failure: All-whitespace username.)`,
      'power_auth_failed',
    ],
    [
      'a wrong ssh password',
      `${connect}error: Cannot recv data: Permission denied, please try again.\r\nbob@vmhost: Permission denied (publickey,password).: Connection reset by peer`,
      'power_auth_failed',
    ],
    [
      'a changed host key',
      `${connect}error: Cannot recv data: @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\nHost key verification failed.: Connection reset by peer`,
      'power_auth_failed',
    ],
    [
      'polkit refusing the rack user',
      `${connect}error: authentication unavailable: no polkit agent available to authenticate action 'org.libvirt.unix.manage'`,
      'power_auth_failed',
    ],
    [
      'a socket the rack user may not open',
      `${connect}error: Failed to connect socket to '/var/run/libvirt/libvirt-sock': Permission denied`,
      'power_auth_failed',
    ],
    ['an unknown domain (test driver)', "error: failed to get domain 'nope'", 'power_settings_invalid'],
    [
      'an unknown domain (qemu driver)',
      "error: failed to get domain 'nope'\nerror: Domain not found: no domain with matching name 'nope'",
      'power_settings_invalid',
    ],
    [
      'a refused TCP port',
      `${connect}error: unable to connect to server at '127.0.0.1:9': Connection refused`,
      'power_unreachable',
    ],
    [
      'an unresolvable host',
      `${connect}error: Unable to resolve address 'nonexistent.invalid' service '16509': Name or service not known`,
      'power_unreachable',
    ],
    [
      'ssh to a refused port',
      `${connect}error: Cannot recv data: ssh: connect to host 127.0.0.1 port 9: Connection refused: Connection reset by peer`,
      'power_unreachable',
    ],
    [
      'ssh to an unresolvable host',
      `${connect}error: Cannot recv data: ssh: Could not resolve hostname nonexistent.invalid: Name or service not known: Connection reset by peer`,
      'power_unreachable',
    ],
    [
      'ssh to a host that does not answer',
      `${connect}error: Cannot recv data: ssh: connect to host 10.9.9.9 port 22: Connection timed out: Connection reset by peer`,
      'power_unreachable',
    ],
    [
      'no daemon on the local socket',
      `${connect}error: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory`,
      'power_unreachable',
    ],
    [
      'TLS without client certificates',
      `${connect}error: Cannot read CA certificate '/etc/pki/CA/cacert.pem': No such file or directory`,
      'power_settings_invalid',
    ],
    [
      'a URI libvirt cannot parse',
      `${connect}error: internal error: Unable to parse URI not a uri`,
      'power_settings_invalid',
    ],
    [
      'a driver the daemon lacks',
      `${connect}error: no connection driver available for qemu:///session`,
      'power_settings_invalid',
    ],
    [
      'a domain locked by another job',
      "error: Failed to start domain 'vm'\nerror: Timed out during operation: cannot acquire state change lock (held by monitor=remoteDispatchDomainCreate)",
      'power_bmc_busy',
    ],
    [
      'a domain that cannot start',
      "error: Failed to start domain 'vm'\nerror: Cannot access storage file '/var/lib/libvirt/images/vm.qcow2': No such file or directory",
      'power_failed',
    ],
    [
      'a network that is down',
      "error: Failed to start domain 'vm'\nerror: Requested operation is not valid: network 'default' is not active",
      'power_failed',
    ],
  ])('classifies %s', (_what, output, code) => {
    expect(classifyVirsh(output).code).toBe(code);
  });

  it('names the parameter at fault', () => {
    expect(classifyVirsh("error: failed to get domain 'nope'").field).toBe('power_id');
    expect(classifyVirsh(`${connect}error: internal error: Unable to parse URI x`).field).toBe(
      'power_address',
    );
    expect(
      classifyVirsh(`${connect}error: authentication failed: authentication failed`).field,
    ).toBeUndefined();
  });
});

describe('alreadyOff', () => {
  it('matches the answers to stopping a domain that is not running', () => {
    expect(
      alreadyOff.test(
        "error: Failed to destroy domain 'test'\nerror: Requested operation is not valid: domain is not running",
      ),
    ).toBe(true);
    expect(
      alreadyOff.test(
        "error: Failed to shutdown domain 'test'\nerror: internal error: domain 'test' not running",
      ),
    ).toBe(true);
    expect(alreadyOff.test("error: failed to get domain 'test'")).toBe(false);
  });
});
