/**
 * Judges: the deterministic scope judge (always) and the LLM judge (when a
 * model is configured). Either can veto a change.
 */
export type { JudgeFinding, JudgeResult } from './judge-result';
export {
  buildJudgePrompt,
  judgeFromAnswer,
  LlmJudgeAnswer,
  type LlmJudgeOptions,
  parseJudgeAnswer,
  runLlmJudge,
  SAFETY_QUESTIONS,
} from './llm-judge';
export {
  runScopeJudge,
  SCOPE_FINDING_CODES,
  type ScopeFindingCode,
  type ScopeJudgeInput,
} from './scope-judge';
export { runTagChangeJudge } from './tag-change-judge';
