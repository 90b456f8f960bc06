/**
 * Program sources: where a plant's PLC program is read from and written back
 * to — a directory on disk, a live PLC over OPC UA (FileType objects), or the
 * plant's Git repository (which is also the sink of verified changes).
 */
export { createDirectorySource, type DirectorySourceOptions } from './directory-source';
export {
  createGitSource,
  type GitChange,
  type GitProgramSource,
  type GitSourceOptions,
  gitCacheDir,
  isGitSource,
} from './git-source';
export { isGitUrl } from './git-url';
export { createOpcuaSource, type OpcuaSourceOptions } from './opcua-source';
export { isOpcuaEndpoint, openProgramSource, projectFolder } from './open-source';
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
export { changeBranchName, deployTagName, pushVerdict } from './verdict-change';
