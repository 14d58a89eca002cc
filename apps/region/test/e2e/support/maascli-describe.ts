// How the maas CLI reads describe/ (maascli/utils.py, maascli/api.py register_resources),
// ported for tests; see tools/clients/maascli/README.md §2.

/** maascli/utils.py's word regex: optional capitals then lowercase/digits, or a run of capitals. */
const WORD = /([A-Z]*[a-z0-9]+|[A-Z]+)(?:(?=[^a-z0-9])|$)/g;

/** `handler_command_name`: words lower-cased, the word "handler" dropped, joined with `-`. */
export function handlerCommandName(name: string): string {
  return [...name.matchAll(WORD)]
    .map((m) => (m[1] ?? '').toLowerCase())
    .filter((w) => w !== 'handler')
    .join('-');
}

/** `safe_name`: the same words, case kept, joined with `-`. */
export function actionCommandName(name: string): string {
  return [...name.matchAll(WORD)].map((m) => m[1] ?? '').join('-');
}

/** Python 3.11's `inspect.cleandoc`. */
export function cleandoc(doc: string): string {
  const lines = doc.split('\n').map(expandTabs);
  let margin = Infinity;
  for (const line of lines.slice(1)) {
    const content = line.trimStart();
    if (content.length > 0) margin = Math.min(margin, line.length - content.length);
  }
  lines[0] = (lines[0] ?? '').trimStart();
  if (margin < Infinity) for (let i = 1; i < lines.length; i++) lines[i] = (lines[i] ?? '').slice(margin);
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  while (lines.length > 0 && lines[0] === '') lines.shift();
  return lines.join('\n');
}

function expandTabs(line: string): string {
  let out = '';
  for (const c of line) out += c === '\t' ? ' '.repeat(8 - (out.length % 8)) : c;
  return out;
}

/** What Python's `str.splitlines` breaks lines at. */
// eslint-disable-next-line no-control-regex -- splitlines breaks at FS, GS and RS (\x1c-\x1e) too
const pythonLineBreaks = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/** `parse_docstring`: (title, body) split at the first run of two or more line breaks. */
export function splitDocstring(doc: string | null): { title: string; body: string } {
  const text = doc === null ? '' : cleandoc(doc);
  const match = /(?:\r\n){2,}|\r{2,}|\n{2,}/.exec(text);
  const title = match ? text.slice(0, match.index) : text;
  const body = match ? text.slice(match.index + match[0].length) : '';
  return {
    title: title
      .split(pythonLineBreaks)
      .map((l) => l.trim())
      .join(' '),
    body: body.replace(/\r\n/g, '\n').replace(/\r/g, '\n'),
  };
}

/** Field names of a Python `str.format` template (what `uri.format(**options)` will look up). */
export function formatFields(template: string): string[] {
  const fields: string[] = [];
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '{') {
      if (template[i + 1] === '{') {
        i++;
        continue;
      }
      const end = template.indexOf('}', i);
      if (end < 0) throw new Error(`${template}: expected '}' before end of string`);
      fields.push(template.slice(i + 1, end).split(/[!:.[]/)[0] ?? '');
      i = end;
    } else if (c === '}') {
      if (template[i + 1] !== '}') throw new Error(`${template}: Single '}' encountered in format string`);
      i++;
    }
  }
  return fields;
}

export interface DescribedAction {
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly op: string | null;
  readonly doc: string | null;
  readonly restful: boolean;
}

export interface DescribedHandler {
  readonly name: string;
  readonly doc: string | null;
  readonly params: readonly string[];
  readonly path: string;
  readonly uri: string;
  readonly actions: readonly DescribedAction[];
}

/** One `maas PROFILE <command>` with its sub-commands, as the CLI registers it. */
export interface CliCommand {
  readonly resource: string;
  readonly handler: DescribedHandler;
  /** sub-command → action */
  readonly actions: ReadonlyMap<string, DescribedAction>;
}

const crudNames = { GET: 'read', POST: 'create', PUT: 'update', DELETE: 'delete' } as const;
/** argparse dests every action parser already owns (-d/--debug, -k/--insecure, -h/--help, data). */
const reservedDests = new Set(['help', 'debug', 'insecure', 'data', 'execute']);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function need<T>(obj: unknown, key: string, check: (v: unknown) => v is T, what: string, where: string): T {
  if (!isObject(obj)) throw new Error(`${where}: expected an object`);
  if (!(key in obj)) throw new Error(`${where}: missing key ${key}`);
  const value = obj[key];
  if (!check(value)) throw new Error(`${where}[${key}]: expected ${what}, got ${JSON.stringify(value)}`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isStringOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isObjectOrNull = (v: unknown): v is Record<string, unknown> | null => v === null || isObject(v);
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

/** Checks a handler the way the CLI will use it; throws what the CLI would trip over. */
function readHandler(raw: unknown, where: string, origin: string): DescribedHandler {
  const name = need(raw, 'name', isString, 'a string', where);
  const doc = need(raw, 'doc', isStringOrNull, 'a string or null', where);
  const params = need(raw, 'params', isArray, 'a list', where);
  if (!params.every((p): p is string => typeof p === 'string' && p !== ''))
    throw new Error(`${where}.params: expected non-empty strings`);
  if (new Set(params).size !== params.length) throw new Error(`${where}.params has duplicates`);
  const clash = params.find((p) => reservedDests.has(p));
  if (clash !== undefined)
    throw new Error(`${where}.params: ${clash} clashes with an option every CLI action has`);
  const path = need(raw, 'path', isString, 'a string', where);
  if (!path.startsWith('/')) throw new Error(`${where}.path must be absolute: ${path}`);
  const uri = need(raw, 'uri', isString, 'a string', where);
  // Older CLIs use `uri`, newer ones the login URL's origin + `path`: both must lead to the same place.
  if (uri !== `${origin}${path}`) throw new Error(`${where}.uri ${uri} is not ${origin}${path}`);
  for (const [label, template] of [
    ['path', path],
    ['uri', uri],
  ] as const) {
    const fields = formatFields(template);
    const unknown = fields.filter((f) => !params.includes(f));
    if (unknown.length > 0)
      throw new Error(
        `${where}.${label} ${template} has placeholders ${unknown.join(', ')} not in params (the CLI's .format() raises KeyError)`,
      );
    const unused = params.filter((p) => !fields.includes(p));
    if (unused.length > 0)
      throw new Error(`${where}.${label} ${template} lacks placeholders for params ${unused.join(', ')}`);
  }
  if (isObject(raw) && 'handler_name' in raw)
    throw new Error(`${where} has a handler_name key, which overrides the CLI's command name`);
  const actions = need(raw, 'actions', isArray, 'a list', where).map((a, i): DescribedAction => {
    const at = `${where}.actions[${i}]`;
    const actionName = need(a, 'name', isString, 'a string', at);
    const method = need(
      a,
      'method',
      (v): v is DescribedAction['method'] => v === 'GET' || v === 'POST' || v === 'PUT' || v === 'DELETE',
      'GET/POST/PUT/DELETE',
      at,
    );
    const op = need(a, 'op', isStringOrNull, 'a string or null', at);
    const actionDoc = need(a, 'doc', isStringOrNull, 'a string or null', at);
    const restful = need(a, 'restful', isBoolean, 'a boolean', at);
    if (restful !== (op === null)) throw new Error(`${at}: restful=${restful} but op=${String(op)}`);
    if (op === null && actionName !== crudNames[method])
      throw new Error(`${at}: a CRUD ${method} must be named ${crudNames[method]}, not ${actionName}`);
    if (op !== null && op !== actionName) throw new Error(`${at}: op ${op} differs from name ${actionName}`);
    return { name: actionName, method, op, doc: actionDoc, restful };
  });
  return { name, doc, params, path, uri, actions };
}

/**
 * The command tree the CLI registers from a describe document (current maascli): per resource
 * the auth handler (or, for an anonymous profile, the anon one), its actions as sub-commands.
 * Throws on anything that would break `maas` for every later invocation.
 */
export function buildCommandTree(
  description: unknown,
  authenticated: boolean,
  origin: string,
): Map<string, CliCommand> {
  need(description, 'hash', isString, 'a string', 'describe');
  const resources = need(description, 'resources', isArray, 'a list', 'describe');
  if (resources.length === 0) throw new Error('describe.resources is empty');
  const tree = new Map<string, CliCommand>();
  resources.forEach((resource, i) => {
    const name = need(resource, 'name', isString, 'a string', `describe.resources[${i}]`);
    const where = `describe.resources[${i}](${name})`;
    const anonRaw = need(resource, 'anon', isObjectOrNull, 'an object or null', where);
    const authRaw = need(resource, 'auth', isObjectOrNull, 'an object or null', where);
    if (anonRaw === null && authRaw === null) throw new Error(`${where}: both anon and auth are null`);
    const anon = anonRaw === null ? null : readHandler(anonRaw, `${where}.anon`, origin);
    const auth = authRaw === null ? null : readHandler(authRaw, `${where}.auth`, origin);
    if (name !== (auth ?? anon)?.name)
      throw new Error(`${where}: MAAS names a resource after its auth handler (else anon)`);
    // Whether the resource becomes a command depends on the profile, but its actions are then
    // always those of `auth or anon` (the handler's own keys override the merged list).
    const considered = authenticated ? [auth, anon] : [anon];
    if (!considered.some((h) => h !== null && h.actions.length > 0)) return;
    const handler = auth ?? anon;
    if (!handler) return;
    const command = handlerCommandName(name);
    if (command === '') throw new Error(`${where}: the name yields an empty command`);
    const existing = tree.get(command);
    if (existing)
      throw new Error(
        `${where}: resources ${existing.resource} and ${name} both become command ${command} (argparse refuses duplicates)`,
      );
    const actions = new Map<string, DescribedAction>();
    for (const action of handler.actions) {
      const sub = actionCommandName(action.name);
      if (sub === '' || actions.has(sub))
        throw new Error(`${where}: action ${action.name} yields a duplicate or empty sub-command ${sub}`);
      actions.set(sub, action);
    }
    tree.set(command, { resource: name, handler, actions });
  });
  return tree;
}

/** Whether the CLI lets an action take `key=value` arguments: ":param" after the doc's first paragraph. */
export function acceptsData(action: DescribedAction): boolean {
  return splitDocstring(action.doc).body.includes(':param');
}
