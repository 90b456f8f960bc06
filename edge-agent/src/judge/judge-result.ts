import type { JudgeResult as JudgeResultSchema } from '@plcfleet/protocols';
import type { z } from 'zod';

/** A judge's decision (the `JudgeResult` schema of protocols, as a type). */
export type JudgeResult = z.infer<typeof JudgeResultSchema>;
/** One finding of a judge. */
export type JudgeFinding = JudgeResult['findings'][number];
