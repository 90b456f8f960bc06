/**
 * Staging of a Modbus TCP → OPC UA cutover: the bridge and its stages
 * (`shadow` → `parallel` → `cutover`, or `rolled-back`), the comparison of the
 * two paths, and the Modbus polling underneath.
 */
export { type DivergenceExample, type DivergenceOptions, DivergenceTracker } from './divergence-tracker';
export { LatencyWindow } from './latency-window';
export { ModbusLink, type ModbusLinkOptions } from './modbus-link';
export { type PollBlock, type PollGroupPlan, type PollPlanOptions, planPolls } from './poll-plan';
export { type Stage, type StageReport, StagingBridge, type StagingBridgeOptions } from './staging-bridge';
