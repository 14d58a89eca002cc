import { AppError } from '@ferrum/domain';
import { powerParameterField, type PowerParameters } from '@ferrum/protocol';
import { ipmiAddress } from './ipmi-driver.js';

/** What a fence agent is asked to do (its `action=`). */
export type FenceAction = 'on' | 'off' | 'status' | 'reboot';

/** One `name=value` line of `fence_options`. */
export interface FenceOption {
  readonly name: string;
  readonly value: string;
}

const invalid = (setting: string, why: string): AppError =>
  new AppError('power_settings_invalid', `${setting} ${why}`, {
    fields: { [powerParameterField(setting)]: [why] },
  });

/** `ipmilan` or `fence_ipmilan` → the program `fence_ipmilan`; anything else is refused. */
export function fenceAgentProgram(agent: string): string {
  const name = agent.trim().replace(/^fence_/, '');
  if (!/^[a-z0-9_]+$/.test(name))
    throw invalid(
      'fence_agent',
      'must be the name of a fence agent (lower-case letters, digits and _), e.g. ipmilan for fence_ipmilan.',
    );
  return `fence_${name}`;
}

// Options the driver sets itself from the other settings (under any of the agent's spellings),
// or that change how the agent reports: given twice, one silently loses.
const OWN = new Set([
  'action',
  'option',
  'ip',
  'ipaddr',
  'username',
  'login',
  'password',
  'passwd',
  'plug',
  'port',
  'nodename',
  'verbose',
  'verbose_level',
  'quiet',
  'help',
  'version',
]);
// Options that would make the agent run a program or write a file of the caller's choosing
// on the rack: the power parameters of a machine must not reach a shell on its rack.
const UNSAFE = new Set(['exec', 'debug', 'debug_file', 'sudo', 'use_sudo', 'ssh_options']);
const UNSAFE_SUFFIX = /_(path|script)$/;
// fence_options is not a secret setting: a credential there would be stored and shown in clear.
const SECRET_LOOKING = /(^|_)(pass|passwd|password|passphrase|secret|token)(_|$)/;

/**
 * The `fence_options` text as lines, checked: `name=value` with a fence option name, no
 * option the driver sets itself, none that runs programs, no credential, and no whitespace
 * in a value (agents such as fence_ipmilan and the SSH ones splice options into a command
 * line, where a space would start another argument). Blank lines and `#` comments are skipped,
 * as the agents themselves do.
 */
export function parseFenceOptions(text: string): FenceOption[] {
  const options: FenceOption[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r\n|\n|\r/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const at = `line ${String(index + 1)}`;
    const equals = line.indexOf('=');
    const name = (equals < 0 ? line : line.slice(0, equals)).trim();
    const value = equals < 0 ? '' : line.slice(equals + 1).trim();
    if (!/^[a-z0-9_-]+$/.test(name))
      throw invalid(
        'fence_options',
        `${at}: each line must be name=value, with a name of a-z, 0-9, _ and -.`,
      );
    const key = name.replace(/-/g, '_');
    if (OWN.has(key))
      throw invalid('fence_options', `${at}: ${name} is set by the driver (from the other settings).`);
    if (UNSAFE.has(key) || UNSAFE_SUFFIX.test(key))
      throw invalid(
        'fence_options',
        `${at}: ${name} is not allowed (it makes the agent run other programs).`,
      );
    if (SECRET_LOOKING.test(key))
      throw invalid(
        'fence_options',
        `${at}: ${name} looks like a credential; put the password in power_pass.`,
      );
    if (equals < 0 || value === '')
      throw invalid('fence_options', `${at}: ${name} needs a value (name=value).`);
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    if (/[\s\u0000-\u001f\u007f]/.test(value))
      throw invalid(
        'fence_options',
        `${at}: the value of ${name} may not contain spaces or control characters.`,
      );
    if (seen.has(key)) throw invalid('fence_options', `${at}: ${name} is given twice.`);
    seen.add(key);
    options.push({ name, value });
  }
  return options;
}

// A value on one stdin line, quoted: the agents strip the line and then one pair of
// surrounding double quotes, so quoting keeps leading and trailing spaces and quotes intact.
const quoted = (value: string) => `"${value}"`;

function checkOneLine(setting: string, value: string): void {
  // A line break would start another option; a NUL breaks the command lines agents build.
  if (/[\r\n]/.test(value) || value.includes('\u0000'))
    throw invalid(setting, 'may not contain line breaks or NUL characters.');
}

/**
 * The stdin of one fence agent run: `action`, `ip` (and `ipport` when `power_address` is
 * `host:port` or `[v6]:port`), `username`, `password`, `plug`, then the `fence_options`
 * lines, and `verbose_level=2` when `verbose` is set (see the driver for which agents).
 * Nothing of it goes on a command line.
 */
export function fenceInput(params: PowerParameters, action: FenceAction, verbose = false): string {
  const address = (params['power_address'] ?? '').trim();
  // A host name, an IPv4 or (bracketed) IPv6 address: the agents pass it on to ssh,
  // ipmitool, telnet… where a leading - or a space would be read as an option.
  if (!/^(\[[0-9A-Za-z:.%]+\]|[A-Za-z0-9._:%-]+)(:\d+)?$/.test(address) || address.startsWith('-'))
    throw invalid('power_address', 'must be a host name or IP address, optionally with :port.');
  const { host, port } = ipmiAddress(address);
  const user = params['power_user'] ?? '';
  if (user !== '' && (/[\s'"\\]/.test(user) || user.startsWith('-')))
    throw invalid('power_user', 'may not contain spaces or quotes, nor start with -.');
  const password = params['power_pass'] ?? '';
  checkOneLine('power_pass', password);
  const plug = (params['plug'] ?? '').trim();
  if (plug !== '' && !/^[A-Za-z0-9_][A-Za-z0-9._:@/,+-]*$/.test(plug))
    throw invalid('plug', 'must be a plug number or name (letters, digits and . _ : @ / , + -).');
  const options = parseFenceOptions(params['fence_options'] ?? '');
  if (port !== undefined && options.some((o) => o.name.replace(/-/g, '_') === 'ipport'))
    throw invalid('fence_options', 'gives ipport, and power_address has a port too: give the port once.');

  const lines = [`action=${action}`, `ip=${quoted(host)}`];
  if (port !== undefined) lines.push(`ipport=${port}`);
  if (user !== '') lines.push(`username=${quoted(user)}`);
  if (password !== '') lines.push(`password=${quoted(password)}`);
  if (plug !== '') lines.push(`plug=${quoted(plug)}`);
  for (const option of options) lines.push(`${option.name}=${option.value}`);
  if (verbose) lines.push('verbose_level=2');
  return `${lines.join('\n')}\n`;
}
