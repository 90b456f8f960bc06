/**
 * Program sources: where a plant's PLC program is read from and written back
 * to — a directory on disk or a live PLC over OPC UA (FileType objects).
 */
export { createDirectorySource, type DirectorySourceOptions } from './directory-source';
export { createOpcuaSource, type OpcuaSourceOptions } from './opcua-source';
export {
  hashProgram,
  isProgramFile,
  PROGRAM_FILE_EXTENSIONS,
  type ProgramFile,
  type ProgramSource,
  SOURCE_ERROR_CODES,
  SourceError,
  type SourceErrorCode,
  safeRelativePath,
  sortFiles,
  type WriteOptions,
} from './program-source';
