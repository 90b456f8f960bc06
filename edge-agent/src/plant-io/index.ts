/**
 * Plant I/O: the virtual PLC on Modbus TCP and OPC UA (`startPlcServer`), the
 * protocol adapters it is built from, and the client side the agent uses to
 * read and write a live program over OPC UA (`readProgramOverOpcua`,
 * `writeProgramOverOpcua`).
 */

export { PLANT_IO_ERROR_CODES, PlantIoError, type PlantIoErrorCode } from '../edge-agent-error';
export { MemoryRuntime, type MemoryScan } from './memory-runtime';
export type { ModbusDataModel } from './modbus-data-model';
export { MODBUS_EXCEPTION, MODBUS_LIMITS, ModbusException } from './modbus-exception';
export { type ModbusServer, type ModbusServerOptions, startModbusServer } from './modbus-tcp-server';
export {
  type OpcuaClientOptions,
  readProgramOverOpcua,
  withOpcuaSession,
  writeProgramOverOpcua,
} from './opcua-client';
export { exposeProgramFiles, FILE_MODE, type ProgramFileHost } from './opcua-program-files';
export {
  endpointSecurity,
  parseSecurityChoice,
  SECURE_POLICIES,
  type SecurityChoice,
} from './opcua-security';
export { type PlantOpcuaServer, type PlantOpcuaServerOptions, startOpcuaServer } from './opcua-server';
export {
  OpcuaTagSpace,
  type OpcuaTagSpaceOptions,
  type OpcuaTagWriter,
  tagVariant,
  variantValue,
} from './opcua-tag-space';
export { hashPassword, loadUsersFile, UsersFile, userChecker, verifyPassword } from './opcua-users';
export type { OnlineChangeResult, PlcRuntime, PlcValue, PlcVariable, ProgramFile } from './plc-runtime';
export { PlcScanLoop } from './plc-scan-loop';
export { type PlcServer, type PlcServerOptions, startPlcServer } from './plc-server';
export {
  decodeRegisters,
  decodeRegistersIn,
  encodeRegisters,
  fromEngineering,
  type RawValue,
  toEngineering,
  type WordOrder,
} from './register-codec';
export { loadTagMap } from './tag-map-file';
export { createTagModbusModel, type TagValueStore } from './tag-modbus-model';
export { readProgramFiles, VirtualPlcRuntime, type VirtualPlcRuntimeOptions } from './virtual-plc-runtime';
