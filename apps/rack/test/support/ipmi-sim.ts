// An IPMI BMC for tests: OpenIPMI's ipmi_sim on 127.0.0.1 (a free UDP port), with a chassis
// whose power and boot device live in files of its own temp dir (a `chassis_control` program:
// ipmi_sim refuses boot-device commands without one, see lab-recipes.md §A pitfall 9).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface IpmiSim {
  readonly host: string;
  readonly port: number;
  /** The simulated chassis's power. */
  powerState(): Promise<'on' | 'off'>;
  /** Switches the chassis as someone at the machine would: not through the BMC's LAN. */
  press(state: 'on' | 'off'): Promise<void>;
  /** The boot device last set (`pxe`, `default`, …). */
  bootDevice(): Promise<string>;
  /** How many times the chassis went from on to off (a cycle counts once). */
  shutdowns(): Promise<number>;
  close(): Promise<void>;
}

/** A UDP port nothing listens on now. */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

const chassisControl = (dir: string) => `#!/bin/sh
# ipmi_sim calls: [<dev>] get power|boot …  or  [<dev>] set power 0|1 | boot <dev> | reset 1 …
d='${dir}'
case "$1" in get|set) ;; *) shift ;; esac
op=$1; shift
case "$op" in
get) for p in "$@"; do case $p in
  power) echo "power:$(cat "$d/power" 2>/dev/null || echo 0)";;
  boot) echo "boot:$(cat "$d/boot" 2>/dev/null || echo default)";;
  esac; done;;
set) while [ $# -ge 2 ]; do case $1 in
  power) if [ "$2" = 0 ] && [ "$(cat "$d/power" 2>/dev/null)" = 1 ]; then echo x >> "$d/shutdowns"; fi; echo "$2" > "$d/power";;
  boot) echo "$2" > "$d/boot";;
  esac; shift 2; done;;
esac
`;

/** Starts ipmi_sim with one administrator; fails naming the package when a tool is missing. */
export async function startIpmiSim(user: { user: string; password: string }): Promise<IpmiSim> {
  for (const [tool, pkg] of [
    ['ipmi_sim', 'openipmi'],
    ['ipmitool', 'ipmitool'],
  ] as const)
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      throw new Error(`${tool} is missing: install the Debian package ${pkg} (npm test installs it).`);
  const dir = await mkdtemp(join(tmpdir(), 'ferrum-ipmi-sim-'));
  const port = await freeUdpPort();
  await writeFile(join(dir, 'chassis.sh'), chassisControl(dir));
  await chmod(join(dir, 'chassis.sh'), 0o755);
  await writeFile(
    join(dir, 'lan.conf'),
    `name "ferrum-test"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 ${String(port)}
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "${join(dir, 'chassis.sh')}"
  user 2 true "${user.user}" "${user.password}" admin 10 none md2 md5 straight
`,
  );
  await writeFile(
    join(dir, 'sim.emu'),
    'mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\nmc_enable 0x20\n',
  );
  const child: ChildProcess = spawn(
    'ipmi_sim',
    ['-n', '-c', join(dir, 'lan.conf'), '-f', join(dir, 'sim.emu'), '-s', join(dir, 'state')],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  const host = '127.0.0.1';
  // Ready once it answers a session.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = spawnSync(
      'ipmitool',
      [
        '-I',
        'lanplus',
        '-C',
        '3',
        '-H',
        host,
        '-p',
        String(port),
        '-U',
        user.user,
        '-E',
        '-R',
        '1',
        '-N',
        '1',
        'chassis',
        'power',
        'status',
      ],
      { env: { ...process.env, IPMI_PASSWORD: user.password }, encoding: 'utf8' },
    );
    if (probe.status === 0) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`ipmi_sim did not answer on ${host}:${String(port)}: ${probe.stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const read = async (name: string, fallback: string) => {
    try {
      return (await readFile(join(dir, name), 'utf8')).trim();
    } catch {
      return fallback;
    }
  };
  return {
    host,
    port,
    powerState: async () => ((await read('power', '0')) === '1' ? 'on' : 'off'),
    press: (state) => writeFile(join(dir, 'power'), state === 'on' ? '1\n' : '0\n'),
    bootDevice: () => read('boot', 'default'),
    shutdowns: async () => (await read('shutdowns', '')).split('\n').filter(Boolean).length,
    close: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
        // Gone by now, or made to go: a second signal to an ended process does nothing.
        child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
