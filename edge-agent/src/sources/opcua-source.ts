/**
 * A live PLC's program over OPC UA: the program files are FileType objects
 * under `Program` (read with Open/Read/Close, written with
 * Open-for-write/Write/Close and applied as one online change). Reading never
 * changes the PLC. A thin adapter over the plant I/O client, loaded on first
 * use so that working on a directory never loads node-opcua.
 */

import type { OpcuaClientOptions } from '../plant-io';
import {
  hashProgram,
  type ProgramFile,
  type ProgramSource,
  SourceError,
  safeRelativePath,
  sortFiles,
  type WriteOptions,
} from './program-source';

const client = () => import('../plant-io');

/** Options of {@link createOpcuaSource}: the OPC UA session (security, user, PKI folder, timeout). */
export type OpcuaSourceOptions = OpcuaClientOptions;

/** A program source on a PLC's OPC UA server (`opc.tcp://host:port`). */
export function createOpcuaSource(endpointUrl: string, options: OpcuaSourceOptions = {}): ProgramSource {
  const read = async (): Promise<ProgramFile[]> => {
    let files: Array<{ name: string; text: string }>;
    try {
      files = await (await client()).readProgramOverOpcua(endpointUrl, options);
    } catch (err) {
      throw new SourceError(
        'io',
        `reading the program from ${endpointUrl} failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (files.length === 0) throw new SourceError('not-found', `${endpointUrl} exposes no program files`);
    return sortFiles(files.map((f) => ({ path: f.name, text: f.text })));
  };
  return {
    kind: 'opcua',
    location: endpointUrl,
    read,
    async write(files: readonly ProgramFile[], opts: WriteOptions = {}): Promise<void> {
      for (const f of files) {
        if (safeRelativePath(f.path).includes('/'))
          throw new SourceError('bad-path', `${f.path}: a PLC's program files have no folders`);
      }
      if (opts.expectSha256Before !== undefined) {
        const now = hashProgram(await read());
        if (now !== opts.expectSha256Before)
          throw new SourceError(
            'changed-since-read',
            `the program on ${endpointUrl} changed since it was read`,
          );
      }
      let r: { ok: true; detail: string } | { ok: false; reason: string };
      try {
        r = await (await client()).writeProgramOverOpcua(
          endpointUrl,
          files.map((f) => ({ name: f.path, text: f.text })),
          options,
        );
      } catch (err) {
        throw new SourceError(
          'io',
          `writing the program to ${endpointUrl} failed: ${(err as Error).message}`,
          { cause: err },
        );
      }
      if (!r.ok) throw new SourceError('refused', `the PLC refused the change: ${r.reason}`);
    },
    async close(): Promise<void> {},
  };
}
