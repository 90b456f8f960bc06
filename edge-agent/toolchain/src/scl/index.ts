/**
 * Siemens SCL (TIA Portal external sources `.scl`, `.db`, `.udt`): a reader
 * into the one IEC syntax tree (so the checker, the virtual PLC, the safety
 * verifier and the diff work on SCL unchanged), a printer that writes edits
 * back as span splices, and `fmt`. See docs/siemens-scl.md.
 */

export { axLibraryBinding, isAxText, readAx } from './ax-reader';
export {
  applySclEdits,
  formatAx,
  formatScl,
  printScl,
  printSclNode,
  type SclEdit,
  type SclNames,
  sclNames,
  sclSpelling,
} from './scl-printer';
export {
  callSclInstanceDbs,
  isSclFile,
  nameSclStartValues,
  readScl,
  type SclUnitInfo,
  SIEMENS_TYPE_MAP,
  sclInfo,
} from './scl-reader';
export { siemensLibrary, siemensLibraryDir } from './siemens-library';
export { isTagTableXml, readTagTable } from './tag-table';
