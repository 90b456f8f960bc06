/**
 * The edits a tag change makes to program sources (ST, TwinCAT XML, PLCopen
 * XML): the declaration, every reference the bound model resolves to the
 * variable, named call arguments of a renamed function block pin, and a
 * retype of the declaration. A name that the program builds from strings
 * cannot be followed, so it is refused.
 */
import type { CheckedProject, Node, PouSymbol, Span, StringLiteral } from '@plcfleet/toolchain/iec';
import { outlineUnit, type ParsedFile, walk } from '../../transform';
import type { TagTarget } from './tag-targets';
import { escapeRegExp, TagChangeRefused, type TextEdit } from './text-edits';

const lower = (s: string) => s.toLowerCase();

/** What the program edits of all targets are, and the POUs that use each target. */
export interface ProgramEdits {
  edits: TextEdit[];
  usedIn: Map<TagTarget, Set<PouSymbol>>;
}

function pouAt(parsed: ParsedFile, offset: number, checked: CheckedProject): PouSymbol | undefined {
  for (const o of outlineUnit(parsed.unit))
    if (o.regions.some((r) => r.offset <= offset && offset < r.endOffset))
      return o.kind === 'GlobalVarList' ? undefined : checked.lookupPou(o.name);
  return undefined;
}

/** A string that names the tag, or spells the start of its name up to a `_`: the program builds the name. */
function buildsName(s: StringLiteral, name: string): boolean {
  const v = lower(s.value);
  const n = lower(name);
  if (new RegExp(`(^|[^a-z0-9_])${escapeRegExp(n)}($|[^a-z0-9_])`).test(v)) return true;
  // 'Press_' or 'Press' (+ 'Enable' elsewhere): the start of the name up to one of its `_`.
  return v.length >= 2 && n.startsWith(v) && (v.endsWith('_') || n[v.length] === '_');
}

/** The edits of every target in the program sources; refuses what cannot be rewritten safely. */
export function programEdits(
  targets: readonly TagTarget[],
  parsed: readonly ParsedFile[],
  checked: CheckedProject,
): ProgramEdits {
  const edits: TextEdit[] = [];
  const usedIn = new Map<TagTarget, Set<PouSymbol>>(targets.map((t) => [t, new Set()]));
  const byFile = new Map(parsed.map((p) => [p.file.path, p]));
  const label = (t: TagTarget) => `tagChanges[${t.index}] ${t.change.from} → ${t.change.to}`;
  const rename = (t: TagTarget, span: Span, kind: string) => {
    // SCL spans include the quotes of "Global" and the # of #local: the name is inside them.
    const text = byFile.get(span.file)?.file.text.slice(span.offset, span.endOffset) ?? '';
    const wrapped =
      /^(["#]).*\1?$/.test(text) && text.replace(/^["#]|"$/g, '').toLowerCase() === lower(t.name);
    // PLCopen XML declares a variable as an element: its name is the `name` attribute.
    const attr = new RegExp(`^<variable\\s[^>]*?name\\s*=\\s*"${escapeRegExp(t.name)}"`, 'i').exec(text);
    if (!wrapped && !attr && text.startsWith('<'))
      throw new TagChangeRefused(
        `${label(t)}: ${span.file}:${span.line}: a reference in a graphical (LD/FBD/SFC) body of PLCopen XML is not rewritten; convert the body to ST first`,
      );
    const start = wrapped
      ? span.offset + 1
      : attr
        ? span.offset + attr[0].length - 1 - t.name.length
        : span.offset;
    edits.push({
      file: span.file,
      offset: start,
      end: start + t.name.length,
      expect: t.name,
      text: t.newName,
      line: span.line,
      what: `${label(t)} (${kind})`,
    });
  };

  for (const t of targets) {
    const renamed = t.name !== t.newName;
    const symbols = new Set([t.symbol, ...t.aliases]);
    if (renamed)
      for (const v of symbols)
        for (const n of v.decl.names) if (lower(n.name) === lower(t.name)) rename(t, n.span, 'declaration');
    for (const [expr, sym] of checked.references) {
      if (!symbols.has(sym as never)) continue;
      const span = expr.kind === 'Member' ? expr.memberSpan : expr.span;
      const pf = byFile.get(span.file);
      const pou = pf ? pouAt(pf, span.offset, checked) : undefined;
      if (pou) usedIn.get(t)!.add(pou);
      if (renamed) rename(t, span, 'reference');
    }
    const d = t.symbol.decl;
    if (t.change.type && !(d.type.kind === 'NamedType' && lower(d.type.name) === lower(t.change.type))) {
      const where = t.where;
      if (d.names.length > 1)
        throw new TagChangeRefused(
          `${label(t)}: ${where}: declared together with ${d.names
            .filter((n) => lower(n.name) !== lower(t.name))
            .map((n) => n.name)
            .join(', ')}; declare it on its own line before retyping`,
        );
      if (d.type.kind !== 'NamedType')
        throw new TagChangeRefused(`${label(t)}: ${where}: its type is not a plain type name; not retyped`);
      edits.push({
        file: d.type.span.file,
        offset: d.type.span.offset,
        end: d.type.span.endOffset,
        expect: d.type.name,
        text: t.change.type,
        line: d.type.span.line,
        what: `${label(t)} (retype ${d.type.name} → ${t.change.type})`,
      });
    }
  }

  for (const pf of parsed) {
    walk(pf.unit, (n: Node) => {
      // Named arguments of a call on an instance of the function block whose pin is renamed.
      if (n.kind === 'Call') {
        const fb = checked.typeOf(n.callee);
        for (const t of targets) {
          if (!t.memberOf || !fb || fb.kind !== 'fb' || fb.pou !== t.memberOf) continue;
          for (const a of n.args)
            if (a.name && a.nameSpan && lower(a.name) === lower(t.name) && t.name !== t.newName)
              rename(t, a.nameSpan, 'call argument');
        }
      }
      if (n.kind === 'StringLiteral')
        for (const t of targets)
          if (buildsName(n, t.name))
            throw new TagChangeRefused(
              `${label(t)}: ${pf.file.path}:${n.span.line}: the string ${n.raw} names or builds the tag; a name built from strings cannot be renamed safely`,
            );
      return undefined;
    });
  }
  return { edits, usedIn };
}
