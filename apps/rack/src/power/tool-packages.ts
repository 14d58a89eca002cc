/**
 * The Debian package that installs each program a power driver runs, so that
 * `describe_power_types` names what to install (MAAS's `missing_packages`), not the program.
 */
const packageByTool: Readonly<Record<string, string>> = {
  ipmitool: 'ipmitool',
  virsh: 'libvirt-clients',
  ssh: 'openssh-client',
};

/** The package providing `tool`: fence agents come in fence-agents; an unknown tool names itself. */
export function packageOf(tool: string): string {
  if (tool.startsWith('fence_')) return 'fence-agents';
  return packageByTool[tool] ?? tool;
}
