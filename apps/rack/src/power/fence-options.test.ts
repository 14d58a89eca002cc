import { describe, expect, it } from 'vitest';
import { fenceAgentProgram, fenceInput, parseFenceOptions } from './fence-options.js';

const params = (over: Record<string, string> = {}) => ({
  fence_agent: 'ipmilan',
  power_address: '10.0.0.5',
  power_user: 'admin',
  power_pass: 'secret',
  plug: '',
  fence_options: '',
  ...over,
});

/** The field an AppError from these checks names, with its message. */
const refusal = (act: () => unknown) => {
  try {
    act();
  } catch (error) {
    return error as { code: string; details: { fields: Record<string, string[]> } };
  }
  throw new Error('expected a refusal');
};

describe(fenceAgentProgram, () => {
  it.each([
    ['ipmilan', 'fence_ipmilan'],
    ['fence_ipmilan', 'fence_ipmilan'],
    [' apc_snmp ', 'fence_apc_snmp'],
    ['ilo4', 'fence_ilo4'],
  ])('runs %j as %s', (agent, program) => {
    expect(fenceAgentProgram(agent)).toBe(program);
  });

  it.each(['', 'fence_', '../sh', '/usr/bin/id', 'IPMI', 'ipmi lan', 'ipmi-lan', 'ipmi\nlan', 'a;b'])(
    'refuses %j',
    (agent) => {
      expect(refusal(() => fenceAgentProgram(agent))).toMatchObject({
        code: 'power_settings_invalid',
        details: {
          fields: { power_parameters_fence_agent: [expect.stringMatching(/name of a fence agent/)] },
        },
      });
    },
  );
});

describe(parseFenceOptions, () => {
  it('reads name=value lines, skipping blank lines and comments, in any line ending', () => {
    expect(parseFenceOptions('lanplus=1\r\n\n# a comment\n  cipher = 3 \rpower-timeout=5')).toEqual([
      { name: 'lanplus', value: '1' },
      { name: 'cipher', value: '3' },
      { name: 'power-timeout', value: '5' },
    ]);
  });

  it('keeps = inside a value', () => {
    expect(parseFenceOptions('cmd_prompt=a=b')).toEqual([{ name: 'cmd_prompt', value: 'a=b' }]);
  });

  it.each([
    ['lanplus', /needs a value/],
    ['lanplus=', /needs a value/],
    ['=1', /must be name=value/],
    ['Lanplus=1', /must be name=value/],
    ['lan plus=1', /must be name=value/],
    ['password=x', /set by the driver/],
    ['passwd=x', /set by the driver/],
    ['ip=10.0.0.9', /set by the driver/],
    ['action=off', /set by the driver/],
    ['verbose-level=3', /set by the driver/],
    ['quiet=1', /set by the driver/],
    ['ipmitool_path=/tmp/x', /not allowed/],
    ['ipmitool-path=/tmp/x', /not allowed/],
    ['password_script=/tmp/x', /not allowed/],
    ['passwd-script=/tmp/x', /not allowed/],
    ['ssh_options=-oProxyCommand=id', /not allowed/],
    ['exec=/bin/id', /not allowed/],
    ['use_sudo=1', /not allowed/],
    ['debug-file=/etc/passwd', /not allowed/],
    ['snmp_priv_passwd=x', /looks like a credential/],
    ['api_token=x', /looks like a credential/],
    ['cipher=3 -o x', /spaces or control characters/],
    ['cipher=3\tx', /spaces or control characters/],
    ['cipher=3\ncipher=17', /given twice/],
    ['power_timeout=3\npower-timeout=4', /given twice/],
  ])('refuses %j', (text, why) => {
    expect(refusal(() => parseFenceOptions(text))).toMatchObject({
      code: 'power_settings_invalid',
      details: { fields: { power_parameters_fence_options: [expect.stringMatching(why)] } },
    });
  });

  it('names the line, not the value, of a refused option', () => {
    const error = refusal(() => parseFenceOptions('lanplus=1\nsnmp_priv_passwd=hunter2'));
    expect(JSON.stringify(error.details)).toContain('line 2');
    expect(JSON.stringify(error.details)).not.toContain('hunter2');
  });
});

describe(fenceInput, () => {
  it('renders the action, the address, the credentials, the plug and the options, one per line', () => {
    expect(
      fenceInput(params({ plug: '4', fence_options: 'lanplus=1\ncipher=3' }), 'status', true).split('\n'),
    ).toEqual([
      'action=status',
      'ip="10.0.0.5"',
      'username="admin"',
      'password="secret"',
      'plug="4"',
      'lanplus=1',
      'cipher=3',
      'verbose_level=2',
      '',
    ]);
  });

  it('leaves out what is not set, and verbose unless asked', () => {
    expect(fenceInput(params({ power_user: '', power_pass: '' }), 'off')).toBe('action=off\nip="10.0.0.5"\n');
  });

  it.each([
    ['10.0.0.5:6230', 'ip="10.0.0.5"\nipport=6230'],
    ['[fd00::5]:6230', 'ip="fd00::5"\nipport=6230'],
    ['fd00::5', 'ip="fd00::5"'],
    ['bmc-1.example.com', 'ip="bmc-1.example.com"'],
  ])('takes a port out of power_address %s', (address, lines) => {
    expect(fenceInput(params({ power_address: address, power_user: '', power_pass: '' }), 'on')).toBe(
      `action=on\n${lines}\n`,
    );
  });

  it('quotes a password so that its spaces and quotes survive the agent’s parsing', () => {
    // The agents strip each line, then one pair of surrounding double quotes.
    expect(fenceInput(params({ power_pass: ' "x y" ' }), 'on')).toContain('\npassword=" "x y" "\n');
  });

  it.each([
    ['power_pass', 'pass\nverbose=1', /line breaks/],
    ['power_pass', 'pass\rx', /line breaks/],
    ['power_pass', 'pa\u0000ss', /NUL characters/],
    ['power_user', 'ad min', /spaces or quotes/],
    ['power_user', '-oProxyCommand=id', /start with -/],
    ['power_address', '10.0.0.5 -P x', /host name or IP address/],
    ['power_address', '-oProxyCommand=id', /host name or IP address/],
    ['power_address', '', /host name or IP address/],
    ['plug', 'vm1; reboot', /plug number or name/],
    ['plug', '-x', /plug number or name/],
  ])('refuses %s %j', (setting, value, why) => {
    expect(refusal(() => fenceInput(params({ [setting]: value }), 'on'))).toMatchObject({
      code: 'power_settings_invalid',
      details: { fields: { [`power_parameters_${setting}`]: [expect.stringMatching(why)] } },
    });
  });

  it('refuses a port given both in power_address and as ipport', () => {
    expect(
      refusal(() => fenceInput(params({ power_address: '10.0.0.5:623', fence_options: 'ipport=624' }), 'on')),
    ).toMatchObject({
      details: { fields: { power_parameters_fence_options: [expect.stringMatching(/once/)] } },
    });
  });

  it('never echoes a refused password', () => {
    const error = refusal(() => fenceInput(params({ power_pass: 'hunter2\nx' }), 'on'));
    expect(JSON.stringify(error)).not.toContain('hunter2');
    expect((error as unknown as Error).message).not.toContain('hunter2');
  });
});
