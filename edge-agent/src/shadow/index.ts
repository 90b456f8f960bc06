/**
 * Live shadow execution (docs/shadow.md): a candidate program runs on the virtual PLC
 * fed with a running PLC's live inputs, its outputs compared with the live ones every
 * poll; the report names diverging tags, comm losses and what the inputs exercised.
 */

export { compileInstrumented, compileInstrumentedProject } from './branch-coverage';
export { compileProgramFiles, inconclusiveWhy, type WatchOutcome, watchDeploy } from './deploy-watch';
export { ModbusLivePlc, OpcuaLivePlc } from './live-plc';
export { type LiveFeed, OpcuaLiveFeed } from './live-subscription';
export { bindTags, parseTolerances } from './shadow-binding';
export { nothingCompared, runShadow, type ShadowReport, ShadowUnreachable } from './shadow-runner';
