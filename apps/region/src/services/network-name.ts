// Names of fabrics and spaces, as MAAS's models check them (models/fabric.py validate_fabric_name
// and clean_name, models/space.py validate_space_name and clean_name).

/** Python's `^[\w-]+$` with Unicode `\w`: word characters and hyphens. */
const namePattern = /^[\p{L}\p{N}_-]+$/u;
const NAME_MAX = 256;

/**
 * What is wrong with the name of a fabric or space (`kind`), or undefined. `<kind>-<n>` is the
 * name MAAS gives an unnamed object: only object `n` itself may carry it. `ownId` is undefined
 * for an object not created yet. A space may not be named "undefined", the pseudo-space of
 * VLANs without one.
 */
export function checkNetworkName(
  kind: 'fabric' | 'space',
  name: string,
  ownId: number | undefined,
): string | undefined {
  if (name.length > NAME_MAX)
    return `Ensure this value has at most ${NAME_MAX} characters (it has ${name.length}).`;
  if (!namePattern.test(name)) return `Invalid ${kind} name: ${name}.`;
  if (kind === 'space' && name === 'undefined') return 'Reserved space name.';
  const reserved = new RegExp(`^${kind}-\\d+$`).test(name);
  if (reserved && (ownId === undefined || name !== `${kind}-${ownId}`)) return `Reserved ${kind} name.`;
  return undefined;
}
