/** What the metadata API serves as user data besides the script runner and the user's own. */

/**
 * The enlistment user data: announces an unknown machine to the region the way `maas-enlist`
 * does (anonymous `POST /MAAS/api/2.0/machines/` with its architecture and MAC addresses, which
 * creates it New), then powers it off. An administrator accepts it (`machines/?op=accept`),
 * which starts commissioning: the machine then boots with a boot token and gets credentials.
 * No credentials are given to an enlisting machine.
 */
export function enlistmentUserData(maasUrl: string): string {
  return `#!/bin/sh
# Ferrum enlistment: create this machine (New) in the region, then power off.
set -u
API=${shellQuote(`${maasUrl}api/2.0/machines/`)}
case "$(uname -m)" in
  x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; ppc64le) arch=ppc64el ;; s390x) arch=s390x ;; *) arch=$(uname -m) ;;
esac
set -- --data-urlencode "architecture=$arch/generic"
for nic in /sys/class/net/*; do
  [ -e "$nic/device" ] || continue
  set -- "$@" --data-urlencode "mac_addresses=$(cat "$nic/address")"
done
for attempt in 1 2 3 4 5; do
  curl -fsS -X POST "$@" "$API" && break
  sleep $((attempt * 5))
done
poweroff
`;
}

/** The user data of a machine that should not be running: it powers off. */
export function poweroffUserData(): string {
  return '#!/bin/sh\n# Ferrum: this machine has nothing to do in its status; power off.\npoweroff\n';
}

/** A single-quoted shell word. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
