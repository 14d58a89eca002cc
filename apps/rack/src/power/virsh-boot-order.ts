// A libvirt domain's boot order with the network first, as MAAS sets it before powering a VM
// on: MAAS reads `dumpxml`, replaces the <boot dev=…/> elements under <os> by network then hd,
// and `define`s the result. A domain may instead give each device its own <boot order='N'/>
// (virt-manager does when its boot order is edited), and libvirt refuses both kinds at once,
// so there the first network interface is moved to the front instead.
//
// The XML is edited as text, not parsed: the rack has no XML library, and `dumpxml` output is
// libvirt's own regular formatting (self-closing <boot/> elements, no stray `>` in attribute
// values). Comments, CDATA and <metadata> (foreign XML) are masked before any search.

/** What making the network boot first needs: nothing, a new definition, or it cannot be done. */
export type BootOrderEdit =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'changed'; readonly xml: string }
  | { readonly kind: 'impossible'; readonly why: string };

interface Span {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** The text with comments, CDATA and <metadata> blanked out, offsets unchanged. */
function masked(xml: string): string {
  return xml.replace(/<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<metadata\b[^>]*>[\s\S]*?<\/metadata>/g, (m) =>
    ' '.repeat(m.length),
  );
}

function spans(text: string, pattern: RegExp, from = 0, to = text.length): Span[] {
  const found: Span[] = [];
  const global = new RegExp(pattern.source, 'g');
  global.lastIndex = from;
  for (let m = global.exec(text); m && m.index + m[0].length <= to; m = global.exec(text))
    found.push({ start: m.index, end: m.index + m[0].length, text: m[0] });
  return found;
}

/** The white space that starts the line `at` is on, when only white space precedes it there. */
function indentBefore(xml: string, at: number): string | undefined {
  const lineStart = xml.lastIndexOf('\n', at - 1) + 1;
  const lead = xml.slice(lineStart, at);
  return /^[ \t]*$/.test(lead) ? lead : undefined;
}

/** Removes the spans, with their lines when they stand alone on them. */
function removeSpans(xml: string, remove: readonly Span[]): string {
  let out = xml;
  for (const span of [...remove].sort((a, b) => b.start - a.start)) {
    let { start, end } = span;
    const indent = indentBefore(out, start);
    if (indent !== undefined && out[end] === '\n') {
      start -= indent.length;
      end += 1;
    }
    out = out.slice(0, start) + out.slice(end);
  }
  return out;
}

/** Inserts child lines just before the closing tag at `closeAt`, indented one level deeper. */
function insertChildren(xml: string, closeAt: number, children: readonly string[]): string {
  const indent = indentBefore(xml, closeAt);
  if (indent === undefined) return xml.slice(0, closeAt) + children.join('') + xml.slice(closeAt);
  const lineStart = closeAt - indent.length;
  const lines = children.map((child) => `${indent}  ${child}\n`).join('');
  return xml.slice(0, lineStart) + lines + xml.slice(lineStart);
}

const osBoot = /<boot\s+dev=(['"])([^'"]*)\1\s*\/>/;
const deviceBoot = /<boot\b[^>]*\border=(['"])(\d+)\1[^>]*\/>/;

function osBootOrder(xml: string, mask: string): BootOrderEdit {
  const os = spans(mask, /<os\b[^>]*>[\s\S]*?<\/os>/)[0];
  if (!os) return { kind: 'impossible', why: 'its definition has no <os> element' };
  const boots = spans(mask, osBoot, os.start, os.end);
  const devices = boots.map((b) => osBoot.exec(b.text)?.[2]);
  if (devices.length === 2 && devices[0] === 'network' && devices[1] === 'hd') return { kind: 'unchanged' };
  const without = removeSpans(xml, boots);
  const closeAt = masked(without).indexOf('</os>', os.start);
  return {
    kind: 'changed',
    xml: insertChildren(without, closeAt, ["<boot dev='network'/>", "<boot dev='hd'/>"]),
  };
}

function deviceBootOrder(xml: string, mask: string, orders: readonly Span[], devices: Span): BootOrderEdit {
  const interfaces = spans(mask, /<interface\b[^>]*>[\s\S]*?<\/interface>/, devices.start, devices.end);
  if (interfaces.length === 0) return { kind: 'impossible', why: 'it has no network interface to boot from' };
  const orderOf = (span: Span) => Number(deviceBoot.exec(span.text)?.[2]);
  const inside = (nic: Span) => orders.find((o) => o.start >= nic.start && o.end <= nic.end);
  // The interface already first among the interfaces keeps its place (it is the one the user
  // chose to PXE boot from); without any, the first interface in the definition.
  const ranked = interfaces
    .map((nic, index) => ({ nic, boot: inside(nic), index }))
    .sort(
      (a, b) =>
        (a.boot ? orderOf(a.boot) : Infinity) - (b.boot ? orderOf(b.boot) : Infinity) || a.index - b.index,
    );
  const chosen = ranked[0];
  if (!chosen) return { kind: 'impossible', why: 'it has no network interface to boot from' };
  const others = orders
    .filter((o) => o !== chosen.boot)
    .sort((a, b) => orderOf(a) - orderOf(b) || a.start - b.start);
  const wanted = new Map<Span, number>(others.map((o, i) => [o, i + 2]));
  if (chosen.boot) wanted.set(chosen.boot, 1);
  if (chosen.boot && [...wanted].every(([span, n]) => orderOf(span) === n)) return { kind: 'unchanged' };
  let out = xml;
  // Right to left, so that earlier offsets stay valid.
  const edits: { at: number; apply: (text: string) => string }[] = [...wanted].map(([span, n]) => ({
    at: span.start,
    apply: (text) =>
      text.slice(0, span.start) +
      span.text.replace(/order=(['"])\d+\1/, `order='${String(n)}'`) +
      text.slice(span.end),
  }));
  if (!chosen.boot) {
    const closeAt = chosen.nic.end - '</interface>'.length;
    edits.push({ at: closeAt, apply: (text) => insertChildren(text, closeAt, ["<boot order='1'/>"]) });
  }
  for (const edit of edits.sort((a, b) => b.at - a.at)) out = edit.apply(out);
  return { kind: 'changed', xml: out };
}

/** The domain definition `xml` (from `virsh dumpxml --inactive`) changed to boot from the network first. */
export function networkFirstBootOrder(xml: string): BootOrderEdit {
  const mask = masked(xml);
  const devices = spans(mask, /<devices\b[^>]*>[\s\S]*?<\/devices>/)[0];
  const orders = devices ? spans(mask, deviceBoot, devices.start, devices.end) : [];
  return devices && orders.length > 0 ? deviceBootOrder(xml, mask, orders, devices) : osBootOrder(xml, mask);
}
