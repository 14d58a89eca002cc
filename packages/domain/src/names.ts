// Naming rules shared by API validation and the CLI.

const usernamePattern = /^[\w.@+-]{1,150}$/;
/** MAAS zone/pool names: letters, digits, hyphen and underscore, not starting with a hyphen. */
const objectNamePattern = /^[\w][\w-]{0,255}$/;
/** A DNS label (RFC 1123). */
const dnsLabelPattern = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;
/** Tag names as MAAS accepts them. */
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
  if (!objectNamePattern.test(value)) {
    return 'Name must start with a letter, digit or underscore and contain only letters, digits, "-" and "_".';
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

/** Returns a message saying what is wrong with a DNS domain name, or undefined. */
export function checkDomainName(value: string): string | undefined {
  if (value.length === 0 || value.length > 253) {
    return 'Domain name must be 1 to 253 characters long.';
  }
  const labels = value.replace(/\.$/, '').split('.');
  if (!labels.every((label) => dnsLabelPattern.test(label))) {
    return 'Domain name must be dot-separated DNS labels of letters, digits and hyphens (no label may start or end with a hyphen).';
  }
  return undefined;
}

const emailPattern = /^[^\s@]+@[^\s@]+$/;

/** Returns a message saying what is wrong with an e-mail address, or undefined. */
export function checkEmail(value: string): string | undefined {
  return emailPattern.test(value) && value.length <= 254 ? undefined : 'Enter a valid email address.';
}
