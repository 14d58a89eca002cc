import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';
import xpath, { type SelectReturnType } from 'xpath';

/** A machine's hardware details, as `details` serves them (MAAS's get_single_probed_details). */
export interface HardwareDetails {
  readonly lshw: Buffer | null;
  readonly lldp: Buffer | null;
}

/**
 * The prefixes a definition may use, each its own namespace URI (MAAS's nsmap `{name: name}`):
 * `lldp:` for the LLDP document's elements, `lshw:` for a namespaced copy of lshw's.
 */
const namespaces: Readonly<Record<string, string>> = { lldp: 'lldp', lshw: 'lshw' };
const select = xpath.useNamespaces(namespaces);

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

/** XML text, or undefined when it is not well-formed (MAAS logs and leaves such a detail out). */
function parseXml(data: Buffer): Document | undefined {
  const problems: string[] = [];
  try {
    const doc = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') problems.push(message);
      },
    }).parseFromString(data.toString('utf8'), 'text/xml');
    return problems.length > 0 || !doc.documentElement ? undefined : doc;
  } catch {
    return undefined;
  }
}

/** A copy of `node` into `doc`, its unqualified elements moved into `namespace` (attributes as they are). */
function copyInto(doc: Document, node: Node, namespace: string | undefined): Node | undefined {
  if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE)
    return doc.createTextNode(node.nodeValue ?? '');
  if (node.nodeType !== ELEMENT_NODE) return undefined;
  const source = node as Element;
  const qualified = namespace !== undefined && !source.namespaceURI;
  const copy = qualified
    ? doc.createElementNS(namespace, `${namespace}:${source.localName ?? source.nodeName}`)
    : doc.createElementNS(source.namespaceURI, source.nodeName);
  for (let i = 0; i < source.attributes.length; i++) {
    const attribute = source.attributes.item(i);
    if (attribute && !attribute.name.startsWith('xmlns'))
      copy.setAttributeNS(attribute.namespaceURI, attribute.name, attribute.value);
  }
  for (let child = source.firstChild; child; child = child.nextSibling) {
    const copied = copyInto(doc, child, namespace);
    if (copied) copy.appendChild(copied);
  }
  return copy;
}

/**
 * The composite document a definition is evaluated against (MAAS's merge_details): lshw's own
 * root (`<list>`) when its output is well-formed, else an empty `<list>`; in it, the LLDP
 * document and a copy of lshw's, each with its elements in its own namespace. So
 * `//node[@id="cpu"]` reads lshw as before, `//lldp:chassis` the switch's answer.
 */
export function detailsDocument(details: HardwareDetails): Document {
  const lshw = details.lshw === null ? undefined : parseXml(details.lshw);
  const doc = lshw ?? new DOMParser().parseFromString('<list/>', 'text/xml');
  const root = doc.documentElement;
  if (!root) throw new Error('a details document without a root');
  for (const name of ['lldp', 'lshw'] as const) {
    const data = details[name];
    const detail = data === null ? undefined : parseXml(data);
    const element = detail?.documentElement;
    if (!element) continue;
    const copied = copyInto(doc, element, namespaces[name]);
    if (copied) root.appendChild(copied);
  }
  return doc;
}

/** XPath's truth of a result, as lxml's `bool(xpath(doc))` in MAAS's try_match_xpath. */
function truth(result: SelectReturnType): boolean {
  if (Array.isArray(result)) return result.length > 0;
  if (typeof result === 'number') return result !== 0 && !Number.isNaN(result);
  if (typeof result === 'string') return result !== '';
  return Boolean(result);
}

/** Whether `definition` holds of the details document `doc`. Throws what the expression gets wrong. */
export function definitionMatches(definition: string, doc: Document): boolean {
  // From the root element, as lxml evaluates MAAS's ElementTree: `node[@class="system"]`
  // is a child of `<list>`.
  const root = doc.documentElement ?? doc;
  return truth(select(definition, root as unknown as globalThis.Node));
}

const empty = () => detailsDocument({ lshw: null, lldp: null });

/**
 * What is wrong with a tag definition, in MAAS's words (`Invalid xpath expression: …`), or
 * undefined for a valid XPath 1.0 expression: it must parse and evaluate (no unknown function
 * or namespace prefix) against a document with no details.
 */
export function definitionError(definition: string): string | undefined {
  try {
    definitionMatches(definition, empty());
    return undefined;
  } catch (error) {
    return `Invalid xpath expression: ${error instanceof Error ? error.message : String(error)}`;
  }
}
