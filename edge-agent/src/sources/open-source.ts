/**
 * One place that turns a project location as people write it — a folder or
 * file, `opc.tcp://host:port`, or a Git URL (`git+file://…#REF[:SUBDIR]`) —
 * into a {@link ProgramSource}, so every command that takes a project takes
 * all three.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createDirectorySource, type DirectorySourceOptions } from './directory-source';
import { createGitSource, type GitSourceOptions } from './git-source';
import { isGitUrl } from './git-url';
import { createOpcuaSource, type OpcuaSourceOptions } from './opcua-source';
import { type ProgramSource, safeRelativePath } from './program-source';

/** Options of {@link openProgramSource}, per kind of location. */
export interface OpenSourceOptions {
  directory?: DirectorySourceOptions;
  opcua?: OpcuaSourceOptions;
  git?: GitSourceOptions;
}

/** True when `location` is an OPC UA endpoint (`opc.tcp://`). */
export function isOpcuaEndpoint(location: string): boolean {
  return /^opc\.tcp:\/\//i.test(location);
}

/** The source a location names: an OPC UA endpoint, a Git URL, else a folder or file on disk. */
export function openProgramSource(location: string, options: OpenSourceOptions = {}): ProgramSource {
  if (isOpcuaEndpoint(location)) return createOpcuaSource(location, options.opcua);
  if (isGitUrl(location)) return createGitSource(location, options.git);
  return createDirectorySource(location, options.directory);
}

/**
 * A folder holding the project a location names, for tools that read folders
 * (compile, safety): the folder itself, or for a Git URL or an OPC UA endpoint
 * a temporary copy of its program files, removed by `cleanup()`.
 *
 * @example
 * const { path, cleanup } = await projectFolder('git+file:///srv/plant.git#v1.4');
 * try { await loadSafetyProject(path); } finally { await cleanup(); }
 */
export async function projectFolder(
  location: string,
  options: OpenSourceOptions = {},
): Promise<{ path: string; cleanup: () => Promise<void> }> {
  if (!isGitUrl(location) && !isOpcuaEndpoint(location)) return { path: location, cleanup: async () => {} };
  const source = openProgramSource(location, options);
  const dir = await mkdtemp(join(tmpdir(), 'plcfleet-project-'));
  try {
    for (const f of await source.read()) {
      const dest = join(dir, safeRelativePath(f.path));
      await mkdir(dirname(dest), { recursive: true });
      await writeFile(dest, f.text, 'utf8');
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  } finally {
    await source.close();
  }
  return { path: dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
