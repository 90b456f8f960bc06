/**
 * Transformers: the seam ({@link Transformer}), the deterministic recipe
 * engine and the Claude tool-use loop, plus what they share (workspace, diff,
 * scope globs).
 */

export { buildSystemPrompt } from './claude-prompt';
export { CLAUDE_TOOLS, formatInnerReport, runTool, type ToolAnswer } from './claude-tools';
export {
  type ClaudeTransformerOptions,
  createClaudeTransformer,
  DEFAULT_CLAUDE_MODEL,
  ModelServiceError,
  resolveClaudeOptions,
} from './claude-transformer';
export { globToRegExp, matchesAnyGlob } from './glob';
export { fileLineOf, isL5xFile, type L5xRoutines, l5xRoutines } from './l5x-routines';
export {
  applyRecipe,
  createRecipeTransformer,
  exampleBindings,
  findRuleApplications,
  type RecipeOutcome,
} from './recipe-transformer';
export { childrenOf, outlineUnit, type PouOutline, sameTree, walk } from './st-ast';
export { checkParsedFiles, type ParsedFile, parseProgramFile, parseStatements } from './st-front-end';
export {
  type Bindings,
  bindingText,
  compilePattern,
  expandTemplate,
  findInPou,
  findInStatements,
  PatternError,
  type PatternMatch,
  type StPattern,
} from './st-pattern';
export type {
  InnerReport,
  InnerVerify,
  ProgressEvent,
  RuleApplication,
  TraceEvent,
  Transformer,
  TransformRequest,
  TransformResult,
} from './transformer';
export {
  type DiffLine,
  type DiffStats,
  diffLines,
  diffStats,
  splitLines,
  unifiedDiff,
  unifiedFileDiff,
} from './unified-diff';
export { EditRefused, Workspace } from './workspace';
