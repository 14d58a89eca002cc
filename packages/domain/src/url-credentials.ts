// `scheme://user:password@host`: the user info ends at the last "@" before the path, so a
// password with a raw "@" (which should have been %-encoded, but is accepted) is masked whole.
const credentials = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*):[^\s/?#]*@/gi;

/** Masks the password of every URL in `text` (`http://user:***@proxy/`); the user name stays. */
export function redactUrlCredentials(text: string): string {
  return text.replace(credentials, '$1:***@');
}
