import { EdgeAgentError, PLANT_IO_ERROR_CODES } from '../edge-agent-error';

/** Error codes of plant I/O (the plant-io part of the edge agent's one code table). */
export { PLANT_IO_ERROR_CODES };
export type PlantIoErrorCode = keyof typeof PLANT_IO_ERROR_CODES;

/** The edge agent's error as plant I/O throws it: a code, a readable message, and optional context. */
export class PlantIoError extends EdgeAgentError<PlantIoErrorCode> {
  override readonly name = 'PlantIoError';
}
