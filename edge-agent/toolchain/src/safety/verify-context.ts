/**
 * What every rule sees: both program versions indexed, the policy resolved in
 * each, the backward slice of every protected signal in each version, and the
 * diff. Also the one function that says which changes fall into a slice.
 */
import type { Migration, SitePolicy } from '@plcfleet/protocols';
import type { Span, Statement } from '../iec';
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

/** Source text of a span, one line, at most 160 characters (for evidence). */
export function sourceText(project: SafetyProject, span: Span): string {
  const text = project.sources.get(span.file);
  if (!text) return '';
  const s = text.slice(span.offset, span.endOffset).replace(/\s+/g, ' ').trim();
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
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
        ? `added \`${sourceText(ctx.after, c.new!.span)}\``
        : c.kind === 'removed'
          ? `removed \`${sourceText(ctx.before, c.old!.span)}\``
          : `changed \`${sourceText(ctx.before, c.old!.span)}\` to \`${sourceText(ctx.after, c.new!.span)}\``;
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
      ? `declared \`${sourceText(ctx.after, d.new!.decl.span)}\``
      : !d.new
        ? `removed declaration \`${sourceText(ctx.before, d.old.decl.span)}\``
        : `declaration \`${sourceText(ctx.before, d.old.decl.span)}\` became \`${sourceText(ctx.after, d.new.decl.span)}\``;
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
