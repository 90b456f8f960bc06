/**
 * Types derived from the protocol schemas the verifier fills (protocols
 * exports the schemas; the types are inferred here rather than re-declared).
 */
import type {
  Counterexample as CounterexampleSchema,
  SafetyProof as SafetyProofSchema,
} from '@plcfleet/protocols';
import type { z } from 'zod';

/** A property proven or refuted by simulation (fits the verdict's evidence). */
export type SafetyProof = z.output<typeof SafetyProofSchema>;
/** A shrunk input trace that breaks a property. */
export type Counterexample = z.output<typeof CounterexampleSchema>;
