/**
 * TwinCAT 3 / CODESYS network lists (`<Implementation><NWL>` in a `.TcPOU`:
 * the LD and FBD editors save both as one "box tree" per network, in the
 * XmlArchive object serialisation) → ST, like the PLCopen FBD converter.
 *
 * A network is a list of items: a `BoxTreeAssign` (outputs := a tree), or a
 * `BoxTreeBox` alone (an FB call whose outputs are read elsewhere). A tree is
 * a `BoxTreeOperand` (an ST operand as written in the editor) or a
 * `BoxTreeBox`: an operator (AND, LT, ...: its `CallType` is the operator's
 * name), a function or an FB instance, with
 * its inputs in order (formal names in `InputParam`; a box showing EN has it
 * first). An operand or coil whose `Flags` is 1 is negated (decision 0016), and
 * so is an input pin whose entry in the box's `InputFlags` is 1. An input the
 * editor left open (operand `""`) is not passed to an FB, which keeps its last
 * value; on an operator or function it is refused (decision 0156).
 * Commented-out networks (`OutCommented`) are not compiled, so not converted.
 * An FB box's outputs wired to variables are copied after its call (an
 * output entry with an empty operand is an unwired pin). Anything else —
 * other item kinds, other flags, outputs of function boxes or ENO wired to
 * variables — is refused on its element, naming what it is: nothing is
 * dropped in silence.
 */
import type { Span } from './ast';
import { Gen, infixOf } from './converted-text';
import { attr, decodeEntities, type XmlElement } from './xml';

/** What {@link nwlToSt} returns. */
export interface NwlConversion {
  /** The body, each line with the XML element it came from. */
  lines: Gen;
  /** Declarations the body needs (`_NWL_EN_<id> : T;`), with their origin. */
  vars: [string, Span][];
  /** Parts that cannot be converted: element, network number (1-based), what it is. */
  errors: { span: Span; network: number; message: string }[];
}

class Refused extends Error {
  constructor(
    readonly el: XmlElement,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Converts one `<NWL>` element. `text` is the XML file, `spanOf` turns an
 * element into its span in the file. Never throws.
 */
export function nwlToSt(text: string, nwl: XmlElement, spanOf: (el: XmlElement) => Span): NwlConversion {
  const out: NwlConversion = { lines: new Gen(), vars: [], errors: [] };
  const root = descend(nwl, ['XmlArchive', 'Data']).find((o) => attr(o, 't') === 'NWLImplementationObject');
  if (!root) {
    out.errors.push({
      span: spanOf(nwl),
      network: 0,
      message: 'no NWLImplementationObject in the network list',
    });
    return out;
  }
  const value = (o: XmlElement | undefined, n: string): string | undefined => {
    const v = o?.children.find((c) => c.name === 'v' && attr(c, 'n') === n);
    if (!v) return undefined;
    const raw = decodeEntities(v.texts.map((t) => text.slice(t.start, t.end)).join('')).trim();
    return raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  };
  const named = (o: XmlElement | undefined, n: string): XmlElement | undefined =>
    o?.children.find((c) => attr(c, 'n') === n);
  /** The entries of a list (`l2`): objects, or undefined for a null entry (`<n />`). */
  const entries = (
    list: XmlElement | undefined,
  ): { el: XmlElement | undefined; type: string | undefined }[] =>
    (list?.children ?? []).map((c) =>
      c.name === 'n'
        ? { el: undefined, type: undefined }
        : { el: c, type: attr(c, 't') ?? attr(list!, 'cet') },
    );
  const strings = (list: XmlElement | undefined): string[] =>
    (list?.children ?? []).map((c) =>
      decodeEntities(c.texts.map((t) => text.slice(t.start, t.end)).join('')).trim(),
    );

  /** Operand text, negated when its flags say so. */
  const operand = (op: XmlElement): string => {
    const name = value(op, 'Operand');
    if (!name) throw new Refused(op, 'an operand without a name');
    const flags = Number(value(named(op, 'Flags'), 'Flags') ?? '0');
    if (flags === 0) return name;
    if (flags === 1) return `NOT ${name}`;
    throw new Refused(op, `operand ${name} with flags ${flags} (only negation, 1, is read)`);
  };

  let network = 0;
  let pre: string[] = [];
  const expr = (el: XmlElement | undefined, type: string | undefined, nested: boolean): string => {
    if (!el) throw new Refused(root, 'an unconnected input');
    if (type === 'BoxTreeOperand') {
      const op = named(el, 'Operand');
      if (!op) throw new Refused(el, 'an operand item without an operand');
      return operand(op);
    }
    if (type !== 'BoxTreeBox') throw new Refused(el, `a ${type ?? 'nameless'} item`);
    const box = value(el, 'BoxType') ?? '';
    const call = value(el, 'CallType') ?? '';
    const inputs = entries(named(el, 'InputItems'));
    let names = strings(named(named(el, 'InputParam'), 'Names'));
    const outputs = strings(named(named(el, 'OutputParam'), 'Names'));
    const outTypes = strings(named(named(el, 'OutputParam'), 'Types'));
    // a flag per input pin (the list is null when none is set): 1 is a negated pin, as on an operand
    const pinFlags = (named(el, 'InputFlags')?.name === 'l2' ? entries(named(el, 'InputFlags')) : []).map(
      (f) => Number(value(f.el, 'Flags') ?? '0'),
    );
    const badFlag = pinFlags.findIndex((f) => f !== 0 && f !== 1);
    if (badFlag >= 0)
      throw new Refused(
        el,
        `box ${box}: input ${badFlag + 1} with flags ${pinFlags[badFlag]} (only negation, 1, is read)`,
      );
    // outputs in the order of OutputParam's names; an entry with an empty operand is unwired
    // (the editor writes one per output pin of a box, ENO's often null)
    const wired = entries(named(named(el, 'OutputItems'), 'OutputItems'))
      .map((o, i) => ({ el: o.el, pin: outputs[i] }))
      .filter((o) => o.el && (value(o.el, 'Operand') ?? '') !== '');
    if (wired.length > 0 && call !== 'FunctionBlock')
      throw new Refused(el, `box ${box} with outputs wired to variables`);
    let en: string | undefined;
    if (value(el, 'EN') === 'true') {
      const first = inputs.shift();
      if (pinFlags.shift()) throw new Refused(el, `box ${box} with a negated EN`);
      en = expr(first?.el, first?.type, true);
      if (names[0]?.toUpperCase() === 'EN') names = names.slice(1);
    }
    // an input whose operand the editor left empty is unconnected: an FB's is not passed (it
    // keeps its last value, IEC 61131-3 §6.6.3.4); any other box's is refused (decision 0156)
    const open = inputs.map(
      (i) => i.type === 'BoxTreeOperand' && value(named(i.el, 'Operand'), 'Operand') === '',
    );
    if (call !== 'FunctionBlock') {
      const at = open.indexOf(true);
      if (at >= 0)
        throw new Refused(
          inputs[at]!.el!,
          `input ${names[at] || at + 1} of ${operatorOrFunction(call, box)} is not connected (only an FB's inputs may be left open)`,
        );
    }
    const args = inputs.map((i, k) => {
      if (open[k]) return '';
      const a = paren(expr(i.el, i.type, true));
      return pinFlags[k] ? `(NOT ${a})` : a;
    });
    const id = (value(el, 'Id') ?? '').replace(/L$/, '');
    if (call === 'FunctionBlock') {
      const inst = value(named(el, 'Instance'), 'Operand');
      if (!inst) throw new Refused(el, `FB box ${box} without an instance`);
      const formal: string[] = [];
      args.forEach((a, i) => {
        if (!open[i]) formal.push(names[i] ? `${names[i]} := ${a}` : a);
        else if (!names[i])
          throw new Refused(inputs[i]!.el!, `FB box ${box}: input ${i + 1} without a name is not connected`);
      });
      // an output wired to a variable is copied after the call, as the call's `=>` would
      const copies = wired.map((w) => {
        if (!w.pin || w.pin.toUpperCase() === 'ENO')
          throw new Refused(w.el!, `FB box ${box}: output ${w.pin || 'without a name'} wired to a variable`);
        const target = operand(w.el!);
        return target.startsWith('NOT ')
          ? `${target.slice(4)} := NOT ${inst}.${w.pin};`
          : `${target} := ${inst}.${w.pin};`;
      });
      const stmt = [`${inst}(${formal.join(', ')});`, ...copies].join(' ');
      pre.push(en ? `IF ${en} THEN ${stmt} END_IF;` : stmt);
      if (!nested) return '';
      const q = outputs.find((o) => o !== '');
      if (!q) throw new Refused(el, `FB box ${box} used as a value has no output`);
      return `${inst}.${q}`;
    }
    // CallType names the operator (And, Lt, ...) for an operator box, else Function/FunctionBlock
    const operator = call.toUpperCase() === box.toUpperCase();
    const up = box.toUpperCase();
    const infix = infixOf(up, args.length);
    let v: string;
    if (operator && infix) v = `(${args.join(` ${infix} `)})`;
    else if (operator && up === 'NOT' && args.length === 1) v = `(NOT ${args[0]})`;
    else if (operator && up === 'MOVE' && args.length === 1) v = args[0]!;
    else if (operator || call === 'Function')
      v = `${box}(${args.map((a, i) => (call === 'Function' && names[i] ? `${names[i]} := ${a}` : a)).join(', ')})`;
    else throw new Refused(el, `box ${box} of call type ${call || 'none'}`);
    if (!en) return v;
    // a box with EN runs only while EN is TRUE; its output keeps the last value it computed
    const tmp = `_NWL_EN_${id || out.vars.length}`;
    out.vars.push([`${tmp} : ${outTypes[0] || 'BOOL'};`, spanOf(el)]);
    pre.push(`IF ${en} THEN ${tmp} := ${v}; END_IF;`);
    return tmp;
  };

  for (const net of entries(named(root, 'NetworkList'))) {
    network++;
    if (!net.el || value(net.el, 'OutCommented') === 'true') continue;
    const label = value(net.el, 'Label');
    if (label) out.lines.push(`${label}:`, spanOf(net.el));
    for (const item of entries(named(net.el, 'NetworkItems'))) {
      if (!item.el) continue;
      pre = [];
      try {
        const lines: string[] = [];
        if (item.type === 'BoxTreeAssign') {
          const rhs = named(item.el, 'RValue');
          const v = expr(rhs, rhs ? attr(rhs, 't') : undefined, true);
          const coils = entries(named(named(item.el, 'OutputItems'), 'OutputItems')).filter((c) => c.el);
          if (coils.length === 0) throw new Refused(item.el, 'an assignment without an output');
          for (const c of coils) {
            const target = operand(c.el!);
            lines.push(target.startsWith('NOT ') ? `${target.slice(4)} := NOT ${v};` : `${target} := ${v};`);
          }
        } else if (item.type === 'BoxTreeBox') {
          const v = expr(item.el, item.type, false);
          if (v && value(item.el, 'CallType') === 'Function') lines.push(`${v};`);
        } else throw new Refused(item.el, `a ${item.type ?? 'nameless'} network item`);
        for (const l of [...pre, ...lines]) out.lines.push(l, spanOf(item.el));
      } catch (err) {
        if (!(err instanceof Refused)) throw err;
        out.errors.push({ span: spanOf(err.el), network, message: err.message });
      }
    }
  }
  return out;
}

/** How a message names a box that is not an FB. */
function operatorOrFunction(call: string, box: string): string {
  return call === 'Function' ? `function ${box}` : `operator ${box}`;
}

/** An operand as is, anything else in parentheses. */
function paren(s: string): string {
  if (/^[\w.#%^[\]]+$/.test(s)) return s;
  // already wrapped as a whole: the first parenthesis closes at the end
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return i === s.length - 1 && s[0] === '(' ? s : `(${s})`;
  }
  return `(${s})`;
}

/** The children reached by following element names from `el`. */
function descend(el: XmlElement, path: string[]): XmlElement[] {
  let cur: XmlElement[] = [el];
  for (const name of path) cur = cur.flatMap((c) => c.children.filter((x) => x.name === name));
  return cur.flatMap((c) => c.children);
}
