/** A YAML document Ferrum cannot read, with the (1-based) line where reading stopped. */
export class YamlError extends Error {
  override readonly name = 'YamlError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${String(line)}: ${message}`);
  }
}

interface Line {
  readonly no: number;
  indent: number;
  /** The text after the indentation, comments not yet removed. */
  text: string;
}

/**
 * Reads the YAML that script metadata and script results are written in: block mappings and
 * sequences, flow `[…]`/`{…}` collections, quoted and plain scalars, `|`/`>` block scalars and
 * comments, with YAML 1.1 scalars as PyYAML (MAAS's reader) resolves them (`yes`/`no` are
 * booleans). Anchors, tags and multi-document streams are not supported and are reported.
 */
export function parseYaml(text: string): unknown {
  const lines: Line[] = text.split(/\r?\n/).map((raw, i) => {
    const indent = /^ */.exec(raw)?.[0].length ?? 0;
    if (raw.slice(indent).startsWith('\t') && raw.trim() !== '')
      throw new YamlError('tabs are not allowed in indentation', i + 1);
    return { no: i + 1, indent, text: raw.slice(indent) };
  });
  const reader = new BlockReader(lines);
  const first = reader.peek();
  if (!first) return null;
  const value = reader.block(first.indent);
  const rest = reader.peek();
  if (rest) throw new YamlError('unexpected text after the document', rest.no);
  return value;
}

class BlockReader {
  private index = 0;
  constructor(private readonly lines: Line[]) {}

  /** The next line with content (comments and blank lines skipped), not consumed. */
  peek(): Line | undefined {
    while (this.index < this.lines.length) {
      const line = this.lines[this.index];
      if (line && stripComment(line.text).trim() !== '' && line.text !== '---') return line;
      if (line?.text.startsWith('---') === true && line.text.trim() !== '---')
        throw new YamlError('several documents are not supported', line.no);
      this.index++;
    }
    return undefined;
  }

  block(indent: number): unknown {
    const line = this.peek();
    if (!line || line.indent < indent) return null;
    const text = stripComment(line.text).trimEnd();
    if (text === '-' || text.startsWith('- ')) return this.sequence(line.indent);
    if (splitKey(text)) return this.mapping(line.indent);
    this.index++;
    return this.inline(text, line);
  }

  private mapping(indent: number): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (let line = this.peek(); line && line.indent >= indent; line = this.peek()) {
      if (line.indent > indent) throw new YamlError('unexpected indentation', line.no);
      const text = stripComment(line.text).trimEnd();
      const pair = splitKey(text);
      if (!pair) throw new YamlError(`expected 'key: value', found '${text}'`, line.no);
      if (Object.hasOwn(result, pair.key)) throw new YamlError(`duplicate key '${pair.key}'`, line.no);
      this.index++;
      result[pair.key] = this.valueAfter(pair.rest, line, indent, true);
    }
    return result;
  }

  private sequence(indent: number): unknown[] {
    const result: unknown[] = [];
    for (let line = this.peek(); line && line.indent >= indent; line = this.peek()) {
      if (line.indent > indent) throw new YamlError('unexpected indentation', line.no);
      const text = stripComment(line.text).trimEnd();
      if (!(text === '-' || text.startsWith('- '))) break;
      const after = line.text.slice(1);
      const gap = /^ */.exec(after)?.[0].length ?? 0;
      const rest = stripComment(after.slice(gap)).trimEnd();
      if (splitKey(rest) && !rest.startsWith('[') && !rest.startsWith('{')) {
        // `- key: value`: a mapping whose keys line up after the dash.
        line.indent = indent + 1 + gap;
        line.text = after.slice(gap);
        result.push(this.mapping(line.indent));
      } else {
        this.index++;
        result.push(this.valueAfter(rest, line, indent, false));
      }
    }
    return result;
  }

  /** The value after `key:` or `- `: inline, a block scalar, or a nested block. */
  private valueAfter(rest: string, line: Line, indent: number, inMapping: boolean): unknown {
    if (rest === '') {
      const next = this.peek();
      if (!next) return null;
      if (next.indent > indent) return this.block(indent + 1);
      // YAML lets a mapping's sequence value start at the key's own indentation.
      const nextText = stripComment(next.text).trimEnd();
      if (inMapping && next.indent === indent && (nextText === '-' || nextText.startsWith('- ')))
        return this.sequence(indent);
      return null;
    }
    if (/^[|>][-+0-9]*$/.test(rest)) return this.blockScalar(rest, indent);
    if ((rest.startsWith('[') || rest.startsWith('{')) && !balanced(rest)) {
      // A flow collection continued on the following lines.
      let joined = rest;
      while (!balanced(joined)) {
        const next = this.lines[this.index];
        if (!next) throw new YamlError('unterminated flow collection', line.no);
        this.index++;
        joined += ' ' + stripComment(next.text).trim();
      }
      return this.inline(joined, line);
    }
    return this.inline(rest, line);
  }

  private blockScalar(header: string, indent: number): string {
    const folded = header.startsWith('>');
    const chomp = header.includes('-') ? 'strip' : header.includes('+') ? 'keep' : 'clip';
    const raw: string[] = [];
    let contentIndent: number | undefined;
    while (this.index < this.lines.length) {
      const line = this.lines[this.index];
      if (!line) break;
      const blank = line.text.trim() === '';
      if (!blank && line.indent <= indent) break;
      if (!blank) contentIndent ??= line.indent;
      raw.push(blank ? '' : ' '.repeat(line.indent - (contentIndent ?? line.indent)) + line.text);
      this.index++;
    }
    let body: string;
    if (folded) {
      body = '';
      raw.forEach((part, i) => {
        if (i === 0) body = part;
        else if (part === '' || raw[i - 1] === '') body += '\n' + part;
        else body += ' ' + part;
      });
    } else body = raw.join('\n');
    const trimmed = body.replace(/\n+$/, '');
    if (chomp === 'strip') return trimmed;
    if (chomp === 'keep') return body + '\n';
    return trimmed === '' ? '' : trimmed + '\n';
  }

  private inline(text: string, line: Line): unknown {
    if (/^[&*!]/.test(text)) throw new YamlError('anchors, aliases and tags are not supported', line.no);
    const flow = new FlowReader(text, line.no);
    const value = flow.value('');
    flow.end();
    return value;
  }
}

/** `key: rest` of a mapping line, or undefined when the line is not one. */
function splitKey(text: string): { key: string; rest: string } | undefined {
  if (text.startsWith('"') || text.startsWith("'")) {
    const end = quotedEnd(text, 0);
    if (end === undefined) return undefined;
    const after = text.slice(end + 1);
    if (!/^\s*:(\s|$)/.test(after)) return undefined;
    return { key: unquote(text.slice(0, end + 1)), rest: after.replace(/^\s*:\s*/, '') };
  }
  if (/^[[{]/.test(text)) return undefined;
  const match = /^([^#][^:]*?)\s*:(?:\s+(.*))?$/.exec(text);
  if (!match || match[1] === undefined || match[1].startsWith('- ')) return undefined;
  return { key: match[1], rest: (match[2] ?? '').trim() };
}

/** The index of the closing quote of the quoted scalar opening at `start`. */
function quotedEnd(text: string, start: number): number | undefined {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++;
    else if (text[i] === quote) {
      if (quote === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return undefined;
}

/** The text without a trailing `# comment` (a `#` at the start or after a space, outside quotes). */
function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (quote === '"' && c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s[{,:]/.test(text[i - 1] ?? ''))) quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) return text.slice(0, i);
  }
  return text;
}

function balanced(text: string): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (quote === '"' && c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
  }
  return depth <= 0;
}

function unquote(text: string): string {
  if (text.startsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
  const escapes: Record<string, string> = {
    n: '\n',
    t: '\t',
    r: '\r',
    '"': '"',
    '\\': '\\',
    '/': '/',
    '0': '\0',
  };
  return text
    .slice(1, -1)
    .replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (_m, e: string) =>
      e.length > 1 ? String.fromCharCode(parseInt(e.slice(1), 16)) : (escapes[e] ?? e),
    );
}

/** A plain scalar resolved the YAML 1.1 way (PyYAML's): null, booleans, numbers, else text. */
export function resolvePlain(text: string): unknown {
  if (text === '' || text === '~' || /^(null|Null|NULL)$/.test(text)) return null;
  if (/^(true|True|TRUE|yes|Yes|YES|on|On|ON)$/.test(text)) return true;
  if (/^(false|False|FALSE|no|No|NO|off|Off|OFF)$/.test(text)) return false;
  if (/^[-+]?(0|[1-9][0-9_]*)$/.test(text)) return Number(text.replace(/_/g, ''));
  if (/^0x[0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^[-+]?([0-9][0-9_]*)?\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text)) return Number(text.replace(/_/g, ''));
  return text;
}

/** Reads one inline value: a flow collection, a quoted scalar or a plain scalar. */
class FlowReader {
  private at = 0;
  constructor(
    private readonly text: string,
    private readonly line: number,
  ) {}

  end(): void {
    this.space();
    if (this.at < this.text.length)
      throw new YamlError(`unexpected '${this.text.slice(this.at)}'`, this.line);
  }

  /** `stops`: the characters that end a plain scalar here (`,]}` inside collections). */
  value(stops: string): unknown {
    this.space();
    const c = this.text[this.at];
    if (c === '[') return this.list();
    if (c === '{') return this.map();
    if (c === '"' || c === "'") {
      const end = quotedEnd(this.text, this.at);
      if (end === undefined) throw new YamlError('unterminated quoted string', this.line);
      const value = unquote(this.text.slice(this.at, end + 1));
      this.at = end + 1;
      return value;
    }
    return resolvePlain(this.plain(stops));
  }

  private plain(stops: string): string {
    const start = this.at;
    while (this.at < this.text.length) {
      const c = this.text[this.at] ?? '';
      if (stops.includes(c)) break;
      if (stops !== '' && c === ':' && /\s/.test(this.text[this.at + 1] ?? ' ')) break;
      this.at++;
    }
    return this.text.slice(start, this.at).trim();
  }

  private list(): unknown[] {
    this.at++;
    const items: unknown[] = [];
    for (;;) {
      this.space();
      if (this.text[this.at] === ']') {
        this.at++;
        return items;
      }
      items.push(this.value(',]}'));
      this.space();
      const c = this.text[this.at];
      if (c === ',') this.at++;
      else if (c !== ']') throw new YamlError("expected ',' or ']' in a flow sequence", this.line);
    }
  }

  private map(): Record<string, unknown> {
    this.at++;
    const result: Record<string, unknown> = {};
    for (;;) {
      this.space();
      if (this.text[this.at] === '}') {
        this.at++;
        return result;
      }
      const key = String(this.value(',]}'));
      this.space();
      let value: unknown = null;
      if (this.text[this.at] === ':') {
        this.at++;
        value = this.value(',]}');
      }
      result[key] = value;
      this.space();
      const c = this.text[this.at];
      if (c === ',') this.at++;
      else if (c !== '}') throw new YamlError("expected ',' or '}' in a flow mapping", this.line);
    }
  }

  private space(): void {
    while (/\s/.test(this.text[this.at] ?? '')) this.at++;
  }
}
