// Naming rules shared by API validation and the CLI.

/** Django's username rule: word characters (any script) and @ . + - _, at most 150. */
const usernamePattern = /^[\p{L}\p{N}_.@+-]{1,150}$/u;
/**
 * MAAS's MODEL_NAME_VALIDATOR for zones, resource pools and other named objects, `^\w[ \w-]*$`
 * with Python's Unicode `\w`: a word character first, then word characters, spaces and hyphens.
 */
const objectNamePattern = /^[\p{L}\p{N}_][\p{L}\p{N}_ -]*$/u;
const OBJECT_NAME_MAX = 256;
/** A DNS label (RFC 1123). */
const dnsLabelPattern = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;
/** MAAS's tag name rule (`^[a-zA-Z0-9_-]+$`, at most 256 characters). */
const tagNamePattern = /^[\w-]{1,256}$/;

/** Returns a message saying what is wrong with a username, or undefined when it is valid. */
export function checkUsername(value: string): string | undefined {
  if (!usernamePattern.test(value)) {
    return 'Enter a valid username of up to 150 characters: letters, digits and @/./+/-/_ only.';
  }
  return undefined;
}

/** Returns a message saying what is wrong with a zone or resource pool name, or undefined. */
export function checkObjectName(value: string): string | undefined {
  if (value.length === 0) return 'This field is required.';
  if (value.length > OBJECT_NAME_MAX) return `Name must be at most ${OBJECT_NAME_MAX} characters long.`;
  if (!objectNamePattern.test(value)) {
    return 'Name must start with a letter, digit or underscore and contain only letters, digits, spaces, "-" and "_".';
  }
  return undefined;
}

/** Returns a message saying what is wrong with a tag name, or undefined. */
export function checkTagName(value: string): string | undefined {
  if (!tagNamePattern.test(value)) {
    return 'Tag names may contain only letters, digits, "-" and "_" (at most 256 characters).';
  }
  return undefined;
}

/** Returns a message saying what is wrong with a DNS domain name (a trailing dot is allowed), or undefined. */
export function checkDomainName(value: string): string | undefined {
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  if (name.length === 0 || name.length > 253) {
    return 'Domain name must be 1 to 253 characters long.';
  }
  if (!name.split('.').every((label) => dnsLabelPattern.test(label))) {
    return 'Domain name must be dot-separated DNS labels of letters, digits and hyphens (no label may start or end with a hyphen).';
  }
  return undefined;
}

const emailPattern = /^[^\s@]+@[^\s@]+$/;

/** Returns a message saying what is wrong with an e-mail address, or undefined. */
export function checkEmail(value: string): string | undefined {
  return emailPattern.test(value) && value.length <= 254 ? undefined : 'Enter a valid email address.';
}
