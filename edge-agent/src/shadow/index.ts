/**
 * Live shadow execution (docs/shadow.md): a candidate program runs on the virtual PLC
 * fed with a running PLC's live inputs, its outputs compared with the live ones every
 * poll; the report names diverging tags, comm losses and what the inputs exercised.
 */
export { type LivePlc, type LiveSample, ModbusLivePlc, OpcuaLivePlc } from './live-plc';
export {
  type BindOptions,
  type BoundTag,
  bindTags,
  parseTolerances,
  type ShadowBinding,
} from './shadow-binding';
export type { ShadowCoverage } from './shadow-coverage';
export {
  runShadow,
  type ShadowDivergence,
  type ShadowReport,
  type ShadowRunOptions,
  ShadowUnreachable,
} from './shadow-runner';
