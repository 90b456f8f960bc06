/**
 * The recipe transformer: deterministic AST rewrites carried in the migration.
 * Each rule's pattern is found on the syntax tree (see `st-pattern.ts`) inside
 * the migration's scope; the matched statements are replaced by the expanded
 * template, spliced into the original text at the statements' span and indented
 * like them, so the diff holds only the matched statements and the declarations
 * the template needs. Nothing else in the file changes, byte for byte — which
 * is also why TwinCAT and PLCopen files come back in their own format.
 */
import type { Migration } from '@plcfleet/protocols';
import { printNode, type Statement, type VarBlock, type VarDecl } from '@plcfleet/toolchain/iec';
import { sclInfo, sclNames, sclSpelling } from '@plcfleet/toolchain/scl';
import { type ProgramFile, sortFiles } from '../sources';
import { matchesAnyGlob } from './glob';
import {
  fileLineOf,
  isL5xFile,
  type L5xRoutines,
  type L5xStRoutine,
  l5xRoutines,
  writeL5xBodies,
} from './l5x-routines';
import { outlineUnit, type PouOutline, walk } from './st-ast';
import { type ParsedFile, parseProgramFile, parseStatements } from './st-front-end';
import {
  bindingText,
  compilePattern,
  expandTemplate,
  findInPou,
  PatternError,
  type PatternMatch,
  type StPattern,
} from './st-pattern';
import type { RuleApplication, Transformer, TransformRequest, TransformResult } from './transformer';

/** A text edit in one file: replace `[start, end)` with `text`. */
interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** What {@link applyRecipe} returns. */
export interface RecipeOutcome {
  /** Every file, edited where rules applied. */
  files: ProgramFile[];
  applications: RuleApplication[];
  /** Rule problems (a template that does not parse, a declaration conflict); any problem means no change is offered. */
  problems: string[];
  /** What the recipe left alone on purpose (ladder routines of an L5X in scope). */
  notes: string[];
}

type Rule = NonNullable<Migration['recipe']>['rules'][number];
type CompiledRule = { rule: Rule; pattern: StPattern };

const IDENT = /^[A-Za-z_]\w*$/;

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function indentAt(text: string, offset: number): string {
  const start = lineStart(text, offset);
  const prefix = text.slice(start, offset);
  return /^\s*$/.test(prefix) ? prefix : ' '.repeat(prefix.length);
}

function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** Re-indents a template to start at `indent` (first line placed at the statement's own column). */
function placeTemplate(template: string, indent: string, eol: string): string {
  const lines = template.replace(/\s+$/, '').split(/\r?\n/);
  return lines.map((l, i) => (i === 0 ? l : l.length ? indent + l : l)).join(eol);
}

function typeName(decl: VarDecl, text: string): string {
  return text.slice(decl.type.span.offset, decl.type.span.endOffset);
}

function findDecl(blocks: readonly VarBlock[], name: string): { block: VarBlock; decl: VarDecl } | null {
  for (const block of blocks)
    for (const decl of block.decls)
      if (decl.names.some((n) => n.name.toLowerCase() === name.toLowerCase())) return { block, decl };
  return null;
}

interface PendingDecl {
  name: string;
  type: string;
  section: 'VAR' | 'VAR_INPUT' | 'VAR_OUTPUT' | 'VAR_GLOBAL';
  init?: string;
  rule: string;
}

/**
 * Applies the migration's recipe to parsed files (pure: no I/O, no verification).
 * Deterministic: the same files and migration give the same result.
 */
export function applyRecipe(migration: Migration, parsed: readonly ParsedFile[]): RecipeOutcome {
  const problems: string[] = [];
  const applications: RuleApplication[] = [];
  const rules = migration.recipe?.rules ?? [];
  const notes: string[] = [];
  const compiled: CompiledRule[] = [];
  for (const rule of rules) {
    try {
      compiled.push({ rule, pattern: compilePattern(rule.match) });
    } catch (err) {
      problems.push(`rule ${rule.name}: ${(err as Error).message}`);
    }
  }
  const edits = new Map<string, TextEdit[]>();
  const addEdit = (path: string, e: TextEdit) => {
    const list = edits.get(path) ?? [];
    list.push(e);
    edits.set(path, list);
  };
  // Declarations wanted per POU (and in the project's globals), deduplicated by name.
  const wanted = new Map<PouOutline, Map<string, PendingDecl>>();
  const retypes = new Map<PouOutline, Map<string, { type: string; rule: string }>>();
  const pouFile = new Map<PouOutline, ParsedFile>();
  const globals: Array<{ pou: PouOutline; pf: ParsedFile }> = [];
  // SCL writes the project's data blocks, blocks and UDTs as "name", whichever file declares them.
  const sclGlobals = new Set<string>();
  for (const pf of parsed) if (sclInfo(pf.unit)) for (const g of sclNames(pf.unit).globals) sclGlobals.add(g);

  for (const pf of parsed) {
    const outlines = outlineUnit(pf.unit);
    for (const o of outlines) {
      pouFile.set(o, pf);
      if (o.kind === 'GlobalVarList') globals.push({ pou: o, pf });
    }
    if (!matchesAnyGlob(pf.file.path, migration.scope.files)) continue;
    const text = pf.file.text;
    const eol = eolOf(text);
    for (const pou of outlines) {
      if (pou.kind === 'GlobalVarList' || !matchesAnyGlob(pou.name, migration.scope.pous, true)) continue;
      // A body converted from ladder (PLCopen LD) has no ST text to splice into: leave it to a person.
      const language = (pou.node as { bodyLanguage?: string }).bodyLanguage;
      if (language !== undefined && language !== 'ST') continue;
      for (const { rule, pattern } of compiled) {
        for (const match of findInPou(pattern, pou)) {
          const first = match.statements[0] as Statement;
          const last = match.statements[match.statements.length - 1] as Statement;
          // In SCL a binding is the plain name (`Door_Closed`, not `#Door_Closed`): the
          // template is ST, and the SCL spelling is given back when the replacement is written.
          const scl = sclInfo(pf.unit) !== undefined;
          const values = new Map<string, string>();
          for (const [k, e] of match.bindings)
            values.set(k, scl ? printNode(e, { comments: false }) : bindingText(e, text));
          const where = `${pf.file.path}:${first.span.line}`;
          const placed = replacementFor(rule, values, text, first.span.offset, eol);
          if ('problem' in placed) {
            problems.push(`rule ${rule.name} at ${where}: ${placed.problem}`);
            continue;
          }
          let replacement = placed.text;
          if (placed.check && scl)
            replacement = sclSpelled(placed.check, replacement, pf, pou, sclGlobals, rule.declare, values);
          addEdit(pf.file.path, { start: first.span.offset, end: last.span.endOffset, text: replacement });
          applications.push({
            rule: rule.name,
            file: pf.file.path,
            pou: pou.name,
            line: first.span.line,
            endLine: last.span.endLine,
            bindings: Object.fromEntries(values),
          });
          try {
            for (const d of rule.declare) {
              const name = expandTemplate(d.name, values);
              const type = expandTemplate(d.type, values);
              if (!IDENT.test(name)) {
                problems.push(
                  `rule ${rule.name} at ${where}: declaration name "${name}" is not an ST identifier`,
                );
                continue;
              }
              const m = wanted.get(pou) ?? new Map<string, PendingDecl>();
              if (!m.has(name.toLowerCase()))
                m.set(name.toLowerCase(), {
                  name,
                  type,
                  section: d.section,
                  rule: rule.name,
                  ...(d.init !== undefined ? { init: expandTemplate(d.init, values) } : {}),
                });
              wanted.set(pou, m);
            }
            for (const r of rule.retype) {
              const m = retypes.get(pou) ?? new Map<string, { type: string; rule: string }>();
              m.set(expandTemplate(r.name, values).toLowerCase(), {
                type: expandTemplate(r.type, values),
                rule: rule.name,
              });
              retypes.set(pou, m);
            }
          } catch (err) {
            if (!(err instanceof PatternError)) throw err;
            problems.push(`rule ${rule.name} at ${where}: ${err.message}`);
          }
        }
      }
    }
  }

  // New declarations: into the last block of the section, or a new block after the last one.
  for (const [pou, decls] of wanted) {
    for (const d of decls.values()) {
      const target = d.section === 'VAR_GLOBAL' ? globals[0] : { pou, pf: pouFile.get(pou)! };
      if (!target) {
        problems.push(`rule ${d.rule}: ${d.name} needs a VAR_GLOBAL list and the project has none`);
        continue;
      }
      const text = target.pf.file.text;
      const existing = findDecl(target.pou.varBlocks, d.name);
      if (!existing && target.pf.unit.format === 'plcopen') {
        // PLCopen XML declares variables as XML elements, not ST text: no splice can add one safely.
        problems.push(
          `rule ${d.rule}: cannot declare ${d.name} in ${target.pf.file.path}: declarations in PLCopen XML are not written by recipes`,
        );
        continue;
      }
      if (existing) {
        const t = typeName(existing.decl, text);
        if (t.toLowerCase() !== d.type.toLowerCase())
          problems.push(
            `rule ${d.rule}: ${target.pou.name}.${d.name} is already declared as ${t}, not ${d.type}`,
          );
        continue;
      }
      addEdit(target.pf.file.path, declarationEdit(target.pou, d, text));
    }
  }
  for (const [pou, m] of retypes) {
    for (const [name, { type, rule }] of m) {
      let found = findDecl(pou.varBlocks, name);
      let pf = pouFile.get(pou)!;
      if (!found)
        for (const g of globals) {
          found = findDecl(g.pou.varBlocks, name);
          if (found) {
            pf = g.pf;
            break;
          }
        }
      if (!found) {
        problems.push(`rule ${rule}: cannot retype ${name}: not declared in ${pou.name} or a global list`);
        continue;
      }
      if (pf.unit.format === 'plcopen') {
        problems.push(
          `rule ${rule}: cannot retype ${name} in ${pf.file.path}: declarations in PLCopen XML are not written by recipes`,
        );
        continue;
      }
      if (found.decl.names.length > 1) {
        problems.push(`rule ${rule}: cannot retype ${name}: it is declared together with other names`);
        continue;
      }
      if (typeName(found.decl, pf.file.text).toLowerCase() === type.toLowerCase()) continue;
      addEdit(pf.file.path, {
        start: found.decl.type.span.offset,
        end: found.decl.type.span.endOffset,
        text: type,
      });
    }
  }

  const l5xTexts = new Map<string, string>();
  for (const pf of parsed) {
    if (!isL5xFile(pf.file) || !matchesAnyGlob(pf.file.path, migration.scope.files)) continue;
    const text = applyToL5x(pf.file, migration, compiled, { applications, problems, notes });
    if (text !== undefined) l5xTexts.set(pf.file.path, text);
  }

  const files = parsed.map((pf) => {
    const l5x = l5xTexts.get(pf.file.path);
    if (l5x !== undefined) return { path: pf.file.path, text: l5x };
    const list = edits.get(pf.file.path);
    if (!list) return pf.file;
    const r = applyEdits(pf.file.text, list);
    if (typeof r !== 'string') {
      problems.push(`${pf.file.path}: ${r.problem}`);
      return pf.file;
    }
    return { path: pf.file.path, text: r };
  });
  return { files: sortFiles(files), applications, problems, notes };
}

/** A rule's template expanded for one match and placed at `offset` of `text`, checked to parse as ST. */
function replacementFor(
  rule: Rule,
  values: ReadonlyMap<string, string>,
  text: string,
  offset: number,
  eol: string,
): { text: string; check?: ParsedFile } | { problem: string } {
  let replacement: string;
  try {
    replacement = placeTemplate(expandTemplate(rule.replace, values), indentAt(text, offset), eol);
  } catch (err) {
    return { problem: (err as Error).message };
  }
  if (!replacement.trim()) return { text: replacement };
  const check = parseStatements(replacement, 'replacement');
  const bad = check.diagnostics.find((d) => d.severity === 'error');
  if (bad) return { problem: `the replacement does not parse: ${bad.message}` };
  return { text: replacement, check };
}

/** Each match of the rules in an L5X's ST routines in the scope's `pous`, and the ladder routines there. */
function l5xMatches(
  file: ProgramFile,
  migration: Migration,
  compiled: readonly CompiledRule[],
  problems: string[],
): {
  found: Array<{ r: L5xStRoutine; matches: Array<{ rule: Rule; match: PatternMatch }> }>;
  ladder: string[];
  project?: L5xRoutines['project'];
} {
  let routines: L5xRoutines;
  try {
    routines = l5xRoutines(file);
  } catch (err) {
    problems.push(`${file.path}: not a readable L5X: ${(err as Error).message}`);
    return { found: [], ladder: [] };
  }
  // `scope.pous` names a Logix program (the POU of the executor's L5X model) or a `PROGRAM/ROUTINE`.
  const inScope = (name: string) =>
    matchesAnyGlob(name, migration.scope.pous, true) ||
    matchesAnyGlob(name.slice(0, name.indexOf('/')), migration.scope.pous, true);
  const found = [];
  for (const r of routines.st) {
    if (!inScope(r.name)) continue;
    const bad = r.parsed.diagnostics.find((d) => d.severity === 'error');
    if (bad) {
      // Fail closed: a routine the rules cannot be checked on would be left out silently.
      problems.push(
        `${file.path}:${fileLineOf(r, bad.line)}: ST routine ${r.name} does not parse as ST, so the rules cannot be checked on it: ${bad.message}`,
      );
      continue;
    }
    const matches = compiled.flatMap(({ rule, pattern }) =>
      findInPou(pattern, r.pou).map((match) => ({ rule, match })),
    );
    found.push({ r, matches });
  }
  return { found, ladder: routines.ladder.filter(inScope), project: routines.project };
}

/**
 * Applies the rules to the ST routines of one L5X (see `l5x-routines.ts`) and returns
 * the file's new text, or undefined when nothing changed. Declarations are not written
 * into an L5X: a rule that declares or retypes is a problem there.
 */
function applyToL5x(
  file: ProgramFile,
  migration: Migration,
  compiled: readonly CompiledRule[],
  out: { applications: RuleApplication[]; problems: string[]; notes: string[] },
): string | undefined {
  const { found, ladder, project } = l5xMatches(file, migration, compiled, out.problems);
  const bodies = [];
  for (const { r, matches } of found) {
    const text = r.parsed.file.text;
    const edits: TextEdit[] = [];
    for (const { rule, match } of matches) {
      const first = match.statements[0] as Statement;
      const last = match.statements[match.statements.length - 1] as Statement;
      const line = fileLineOf(r, first.span.line);
      const where = `${file.path}:${line} (routine ${r.name})`;
      if (rule.declare.length > 0 || rule.retype.length > 0) {
        out.problems.push(`rule ${rule.name} at ${where}: declarations in L5X are not written by recipes`);
        continue;
      }
      const values = new Map<string, string>();
      for (const [k, e] of match.bindings) values.set(k, bindingText(e, text));
      const placed = replacementFor(rule, values, text, first.span.offset, '\n');
      if ('problem' in placed) {
        out.problems.push(`rule ${rule.name} at ${where}: ${placed.problem}`);
        continue;
      }
      edits.push({
        start: first.span.offset - r.bodyStart,
        end: last.span.endOffset - r.bodyStart,
        text: placed.text,
      });
      out.applications.push({
        rule: rule.name,
        file: file.path,
        pou: r.name,
        line,
        endLine: fileLineOf(r, last.span.endLine),
        bindings: Object.fromEntries(values),
      });
    }
    if (edits.length === 0) continue;
    const body = applyEdits(r.routine.lines.join('\n'), edits);
    if (typeof body !== 'string') out.problems.push(`${file.path} routine ${r.name}: ${body.problem}`);
    else bodies.push({ routine: r.routine, body });
  }
  if (bodies.length === 0 && ladder.length > 0 && found.every((f) => f.matches.length === 0))
    out.notes.push(
      `${file.path}: ${ladder.length} ladder (RLL) routine(s) in scope are not edited by recipes (${ladder.slice(0, 3).join(', ')}${ladder.length > 3 ? ', ...' : ''})`,
    );
  return project && bodies.length > 0 ? writeL5xBodies(project, bodies) : undefined;
}

/**
 * A replacement for an SCL file: the template's text and layout, with each
 * name given its SCL spelling in the block (`#local`, `"Global"`), as the SCL
 * edit writer spells them; names the rule declares count as the block's locals.
 */
function sclSpelled(
  check: ParsedFile,
  replacement: string,
  pf: ParsedFile,
  pou: PouOutline,
  globals: ReadonlySet<string>,
  declare: ReadonlyArray<{ name: string; section: string }>,
  values: ReadonlyMap<string, string>,
): string {
  const names = sclNames(pf.unit, pou.node as Parameters<typeof sclNames>[1]);
  const locals = new Set(names.locals);
  const projectGlobals = new Set([...names.globals, ...globals]);
  for (const d of declare)
    if (d.section !== 'VAR_GLOBAL') locals.add(expandTemplate(d.name, values).toLowerCase());
  const offset = check.file.text.indexOf(replacement);
  const edits: TextEdit[] = [];
  walk(check.unit as unknown as Parameters<typeof walk>[0], (n) => {
    if (n.kind !== 'Identifier') return undefined;
    const name = (n as unknown as { name: string }).name;
    const start = n.span.offset - offset;
    if (start < 0 || start >= replacement.length) return undefined;
    edits.push({
      start,
      end: n.span.endOffset - offset,
      text: sclSpelling(name, { locals, globals: projectGlobals }),
    });
    return undefined;
  });
  const r = applyEdits(replacement, edits);
  return typeof r === 'string' ? r : replacement;
}

function declarationEdit(pou: PouOutline, d: PendingDecl, text: string): TextEdit {
  const eol = eolOf(text);
  const line = `${d.name} : ${d.type}${d.init !== undefined ? ` := ${d.init}` : ''};`;
  const blocks = pou.varBlocks.filter((b) => b.section === d.section && !b.constant);
  const block = blocks[blocks.length - 1];
  if (block) {
    const endVar = block.span.endOffset - 'END_VAR'.length;
    const at = lineStart(text, endVar);
    const lastDecl = block.decls[block.decls.length - 1];
    const indent = lastDecl ? indentAt(text, lastDecl.span.offset) : `${indentAt(text, endVar)}    `;
    return { start: at, end: at, text: `${indent}${line}${eol}` };
  }
  const anyBlock = pou.varBlocks[pou.varBlocks.length - 1];
  if (anyBlock) {
    const bi = indentAt(text, anyBlock.span.offset);
    return {
      start: anyBlock.span.endOffset,
      end: anyBlock.span.endOffset,
      text: `${eol}${bi}${d.section}${eol}${bi}    ${line}${eol}${bi}END_VAR`,
    };
  }
  const nameEnd =
    'nameSpan' in pou.node ? (pou.node.nameSpan as { endOffset: number }).endOffset : pou.span.offset;
  const nl = text.indexOf('\n', nameEnd);
  const at = nl < 0 ? text.length : nl + 1;
  return { start: at, end: at, text: `${d.section}${eol}    ${line}${eol}END_VAR${eol}` };
}

/** Applies edits (sorted, non-overlapping; insertions at one offset keep their order). */
function applyEdits(text: string, list: TextEdit[]): string | { problem: string } {
  const sorted = list
    .map((e, i) => ({ ...e, i }))
    .sort((a, b) => a.start - b.start || a.end - b.end || a.i - b.i);
  for (let k = 1; k < sorted.length; k++)
    if (sorted[k]!.start < sorted[k - 1]!.end) return { problem: 'two rule applications overlap' };
  let out = '';
  let pos = 0;
  for (const e of sorted) {
    out += text.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return out + text.slice(pos);
}

/**
 * The recipe transformer. Offline and deterministic; the default when no model
 * is configured. `failed` when a rule has a problem or the result does not pass
 * the inner verifier; `no-change` when no rule matches inside the scope.
 */
export function createRecipeTransformer(): Transformer {
  return {
    name: 'recipe',
    async transform(req: TransformRequest): Promise<TransformResult> {
      const base = { turns: 0, tokens: { input: 0, output: 0 } };
      if (!req.migration.recipe)
        return {
          ...base,
          outcome: 'failed',
          files: [...req.files],
          reason: 'the migration has no recipe',
          applications: [],
        };
      req.progress?.({ phase: 'transform', message: `recipe: ${req.migration.recipe.rules.length} rule(s)` });
      const outcome = applyRecipe(req.migration, req.files.map(parseProgramFile));
      req.trace({ type: 'recipe', applications: outcome.applications, problems: outcome.problems });
      if (outcome.problems.length)
        return {
          ...base,
          outcome: 'failed',
          files: [...req.files],
          reason: `recipe: ${outcome.problems[0]}`,
          applications: outcome.applications,
        };
      if (outcome.applications.length === 0)
        return {
          ...base,
          outcome: 'no-change',
          files: [...req.files],
          reason: ['recipe: no rule matches inside the scope', ...outcome.notes].join('; '),
          applications: [],
        };
      req.progress?.({
        phase: 'inner',
        message: `recipe applied ${outcome.applications.length} time(s); compile + quick safety`,
      });
      const report = await req.verify(outcome.files);
      req.trace({
        type: 'verify',
        ok: report.ok,
        diagnostics: report.diagnostics,
        findings: report.findings,
      });
      const count = `${outcome.applications.length} application(s) of ${new Set(outcome.applications.map((a) => a.rule)).size} rule(s)`;
      if (!report.ok) {
        const why =
          report.diagnostics.find((d) => d.severity === 'error')?.message ??
          report.findings.find((f) => f.severity === 'error')?.message ??
          'verification failed';
        return {
          ...base,
          outcome: 'failed',
          files: outcome.files,
          reason: `recipe: ${count}; inner verification failed: ${why}`,
          applications: outcome.applications,
          lastReport: report,
        };
      }
      return {
        ...base,
        outcome: 'changed',
        files: outcome.files,
        reason: `recipe: ${count}`,
        applications: outcome.applications,
        lastReport: report,
      };
    },
  };
}

/**
 * Where the migration's rules match in a program (in scope), without changing
 * anything: what the scope judge and the equivalence criteria use when the
 * change was not made by the recipe engine.
 */
export function findRuleApplications(migration: Migration, parsed: readonly ParsedFile[]): RuleApplication[] {
  const out: RuleApplication[] = [];
  for (const rule of migration.recipe?.rules ?? []) {
    let pattern: StPattern;
    try {
      pattern = compilePattern(rule.match);
    } catch {
      continue;
    }
    for (const pf of parsed) {
      if (!matchesAnyGlob(pf.file.path, migration.scope.files)) continue;
      if (isL5xFile(pf.file)) {
        for (const { r, matches } of l5xMatches(pf.file, migration, [{ rule, pattern }], []).found)
          for (const { match: m } of matches)
            out.push({
              rule: rule.name,
              file: pf.file.path,
              pou: r.name,
              line: fileLineOf(r, m.statements[0]!.span.line),
              endLine: fileLineOf(r, m.statements[m.statements.length - 1]!.span.endLine),
              bindings: Object.fromEntries(
                [...m.bindings].map(([k, e]) => [k, bindingText(e, r.parsed.file.text)]),
              ),
            });
        continue;
      }
      for (const pou of outlineUnit(pf.unit)) {
        if (pou.kind === 'GlobalVarList' || !matchesAnyGlob(pou.name, migration.scope.pous, true)) continue;
        for (const m of findInPou(pattern, pou)) {
          const first = m.statements[0]!;
          const last = m.statements[m.statements.length - 1]!;
          out.push({
            rule: rule.name,
            file: pf.file.path,
            pou: pou.name,
            line: first.span.line,
            endLine: last.span.endLine,
            bindings: Object.fromEntries([...m.bindings].map(([k, e]) => [k, bindingText(e, pf.file.text)])),
          });
        }
      }
    }
  }
  return out;
}

/**
 * The names the migration's examples use for each rule's metavariables: the
 * rule's pattern matched on each example's `before` (e.g. `sensor` → `Guard_Sensor`).
 */
export function exampleBindings(
  migration: Migration,
): Array<{ rule: string; bindings: Record<string, string> }> {
  const out: Array<{ rule: string; bindings: Record<string, string> }> = [];
  for (const rule of migration.recipe?.rules ?? []) {
    let pattern: StPattern;
    try {
      pattern = compilePattern(rule.match);
    } catch {
      continue;
    }
    for (const ex of migration.examples) {
      const pf = parseStatements(ex.before, 'example');
      const decl = pf.unit.declarations[0];
      if (decl?.kind !== 'Program') continue;
      const prefix = pf.file.text;
      const m = findInPou(pattern, outlineUnit(pf.unit)[0]!)[0];
      if (m)
        out.push({
          rule: rule.name,
          bindings: Object.fromEntries([...m.bindings].map(([k, e]) => [k, bindingText(e, prefix)])),
        });
    }
  }
  return out;
}
