/**
 * What every rule sees: both program versions indexed, the policy resolved in
 * each, the backward slice of every protected signal in each version, and the
 * diff. Also the one function that says which changes fall into a slice.
 */
import type { Migration, SitePolicy } from '@plcfleet/protocols';
import { type Node, printNode, type Span, type Statement } from '../iec';
import { backwardSlice, type Slice } from './data-flow-slice';
import { type PolicyResolution, resolvePolicy, type SignalRole } from './policy-resolution';
import type { ProgramDiff } from './program-diff';
import type { ProjectIndex, VarEntry } from './project-index';
import type { SafetyProject } from './safety-project';

/** A policy signal with its variables and slices in both versions. */
export interface ProtectedSignal {
  name: string;
  role: SignalRole;
  oldVars: VarEntry[];
  newVars: VarEntry[];
  oldSlice: Slice;
  newSlice: Slice;
}

/** Everything the rules need. */
export interface VerifyContext {
  before: SafetyProject;
  after: SafetyProject;
  oldIx: ProjectIndex;
  newIx: ProjectIndex;
  policy: SitePolicy;
  migration: Migration | undefined;
  /** `safety-related` migration (without a migration: false, the strictest reading). */
  safetyRelated: boolean;
  oldRes: PolicyResolution;
  newRes: PolicyResolution;
  signals: ProtectedSignal[];
  diff: ProgramDiff;
  /**
   * Changed statements proven equivalent by simulation that write nothing but the compared
   * E-stop signals: invisible downstream, so no other slice counts them.
   */
  proven: Set<Statement>;
}

/** One change that falls into a slice, with where to point at. */
export interface SliceHit {
  what: 'statement' | 'declaration' | 'pou' | 'type' | 'configuration';
  at: Span | { file: string; line: number };
  old?: Statement;
  new?: Statement;
  /** A modified compound statement whose condition changed (its body is diffed on its own). */
  headerOnly?: boolean;
  oldDecl?: VarEntry;
  newDecl?: VarEntry;
  description: string;
}

/** Builds the protected signals (resolved in the old version; the new version may lack some). */
export function protectedSignals(oldIx: ProjectIndex, newIx: ProjectIndex, policy: SitePolicy) {
  const oldRes = resolvePolicy(oldIx, policy);
  const newRes = resolvePolicy(newIx, policy);
  const signals: ProtectedSignal[] = [];
  for (const s of oldRes.signals) {
    const n = newRes.signals.find((x) => x.name === s.name && x.role === s.role);
    const newVars = n?.vars ?? [];
    signals.push({
      name: s.name,
      role: s.role,
      oldVars: s.vars,
      newVars,
      oldSlice: backwardSlice(
        oldIx,
        s.vars.map((v) => v.key),
      ),
      newSlice: backwardSlice(
        newIx,
        newVars.map((v) => v.key),
      ),
    });
  }
  return { oldRes, newRes, signals };
}

/**
 * Source text of a node (or a span), one line, at most 160 characters (for evidence). A node
 * read from a graphical body (PLCopen LD/FBD/SFC, a TwinCAT network list) has XML for its
 * source, whose first 160 characters are alike for any two rungs: it is quoted as the ST it
 * was read as, marked so.
 */
export function sourceText(project: SafetyProject, at: Span | Node): string {
  const span = 'kind' in at ? at.span : at;
  const text = project.sources.get(span.file);
  if (!text) return '';
  const s = text.slice(span.offset, span.endOffset).replace(/\s+/g, ' ').trim();
  if ('kind' in at && s.startsWith('<')) return `${oneLine(printNode(at), 150)} (as read)`;
  return oneLine(s, 160);
}

function oneLine(text: string, max: number): string {
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/** The changes of the diff that fall into the old or the new slice. */
export function sliceHits(ctx: VerifyContext, oldSlice: Slice, newSlice: Slice): SliceHit[] {
  const hits: SliceHit[] = [];
  for (const c of ctx.diff.statements) {
    if ((!c.old || ctx.proven.has(c.old)) && (!c.new || ctx.proven.has(c.new))) continue;
    const inOld = c.old !== undefined && oldSlice.statements.has(c.old);
    const inNew = c.new !== undefined && newSlice.statements.has(c.new);
    if (!inOld && !inNew) continue;
    const node = c.new ?? c.old!;
    const desc =
      c.kind === 'added'
        ? `added \`${sourceText(ctx.after, c.new!)}\``
        : c.kind === 'removed'
          ? `removed \`${sourceText(ctx.before, c.old!)}\``
          : `changed \`${sourceText(ctx.before, c.old!)}\` to \`${sourceText(ctx.after, c.new!)}\``;
    hits.push({
      what: 'statement',
      at: node.span,
      ...(c.old ? { old: c.old } : {}),
      ...(c.new ? { new: c.new } : {}),
      ...(c.headerOnly ? { headerOnly: true } : {}),
      description: desc,
    });
  }
  for (const d of ctx.diff.decls) {
    const inOld = d.old !== undefined && oldSlice.vars.has(d.old.key);
    const inNew = d.new !== undefined && newSlice.vars.has(d.new.key);
    if (!inOld && !inNew) continue;
    const e = d.new ?? d.old!;
    const desc = !d.old
      ? `declared \`${sourceText(ctx.after, d.new!.decl)}\``
      : !d.new
        ? `removed declaration \`${sourceText(ctx.before, d.old.decl)}\``
        : `declaration \`${sourceText(ctx.before, d.old.decl)}\` became \`${sourceText(ctx.after, d.new.decl)}\``;
    hits.push({
      what: 'declaration',
      at: e.decl.span,
      ...(d.old ? { oldDecl: d.old } : {}),
      ...(d.new ? { newDecl: d.new } : {}),
      description: desc,
    });
  }
  for (const p of ctx.diff.pous) {
    if (p.kind === 'modified' && !p.headerChanged) continue;
    if (!oldSlice.pous.has(p.id) && !newSlice.pous.has(p.id)) continue;
    hits.push({
      what: 'pou',
      at: { file: p.newFile ?? p.oldFile ?? '', line: 1 },
      description: `POU ${p.name} ${p.kind === 'modified' ? 'changed its header' : p.kind}`,
    });
  }
  for (const t of ctx.diff.types) {
    const used = [...oldSlice.vars, ...newSlice.vars].some((k) => {
      const v = ctx.oldIx.vars.get(k) ?? ctx.newIx.vars.get(k);
      return v?.typeName === t;
    });
    if (used) hits.push({ what: 'type', at: { file: '', line: 0 }, description: `type ${t} changed` });
  }
  if (ctx.diff.configuration && (oldSlice.vars.size > 0 || newSlice.vars.size > 0))
    hits.push({
      what: 'configuration',
      at: { file: '', line: 0 },
      description: 'task configuration changed',
    });
  return hits;
}
