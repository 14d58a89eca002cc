import { AppError } from '@ferrum/domain';
import { powerParameterField } from '@ferrum/protocol';

/**
 * A webhook's `power_on_regex` or `power_off_regex` as a JavaScript RegExp. MAAS runs them
 * with Python's `re.search`, so the Python spellings JavaScript lacks are translated: a
 * leading inline flag group (`(?i)`, `(?s)`, `(?m)`; `(?a)` and `(?u)` change nothing here),
 * named groups `(?P<name>…)` and back-references `(?P=name)`, and `\A` / `\Z` (start and end
 * of the text). Compiled without the `u` flag, as Python reads `\:` (MAAS's own default,
 * `status.*\:.*running`) as a plain colon. A pattern that does not compile, or uses a flag
 * with no JavaScript equivalent (`x`, `L`), is a settings error naming the parameter.
 */
export function compileWebhookRegex(setting: string, source: string): RegExp {
  const invalid = (why: string): AppError =>
    new AppError('power_settings_invalid', `${setting} is not a usable regular expression: ${why}`, {
      fields: { [powerParameterField(setting)]: [why] },
    });
  let pattern = source;
  let flags = '';
  const inline = /^\(\?([a-zA-Z]+)\)/.exec(pattern);
  if (inline?.[1] !== undefined) {
    for (const flag of inline[1]) {
      if (flag === 'i' || flag === 'm' || flag === 's') flags += flags.includes(flag) ? '' : flag;
      else if (flag !== 'a' && flag !== 'u')
        throw invalid(`the inline flag (?${flag}) has no equivalent here.`);
    }
    pattern = pattern.slice(inline[0].length);
  }
  try {
    return new RegExp(translated(pattern), flags);
  } catch (error) {
    throw invalid(
      error instanceof Error ? error.message.replace(/^Invalid regular expression: /, '') : String(error),
    );
  }
}

function translated(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '\\') {
      const next = pattern.charAt(i + 1);
      i++;
      if (!inClass && next === 'A') out += '^';
      else if (!inClass && next === 'Z') out += '$';
      else out += c + next;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // `[]…]` and `[^]…]`: a `]` first in a class is a literal in Python.
      if (pattern.charAt(i + 1) === '^') out += pattern.charAt(++i);
      if (pattern.charAt(i + 1) === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (pattern.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    if (pattern.startsWith('(?P=', i)) {
      const end = pattern.indexOf(')', i);
      if (end > i) {
        out += `\\k<${pattern.slice(i + 4, end)}>`;
        i = end;
        continue;
      }
    }
    out += c;
  }
  return out;
}
