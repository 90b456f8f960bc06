import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseWith } from '@plcfleet/protocols';
import YAML from 'yaml';
import type { z } from 'zod';
import { UsageError } from './exit-codes';

/** Reads a YAML or JSON file (JSON is YAML); one readable line on error. */
export async function readYamlFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  try {
    return YAML.parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new UsageError(`${path}: not YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
}

/**
 * Reads a document file and validates it with `schema` (the file's raw content
 * is returned, so the server applies its own defaults). Throws a `UsageError`
 * (exit 2) with one line such as `plan.yaml: phases[0].select: …`.
 */
export async function readDocument<S extends z.ZodType>(
  path: string,
  schema: S,
): Promise<{ raw: unknown; value: z.output<S> }> {
  const raw = await inlineFileRefs(await readYamlFile(path), path);
  const r = parseWith(schema, raw, path);
  if (!r.ok) throw new UsageError(r.error);
  return { raw, value: r.value };
}

/**
 * A migration may point at files beside it (`cutover.tagMap: { file }`,
 * `successCriteria.scenarios: [{ file }]`). The control plane cannot read the
 * admin's disk, so the CLI inlines them, relative to the migration file.
 */
async function inlineFileRefs(doc: unknown, path: string): Promise<unknown> {
  if (!isRecord(doc)) return doc;
  const base = dirname(path);
  const load = async (ref: unknown) =>
    isRecord(ref) && typeof ref.file === 'string' && Object.keys(ref).length === 1
      ? readYamlFile(resolve(base, ref.file))
      : ref;
  const out: Record<string, unknown> = { ...doc };
  if (isRecord(out.cutover)) out.cutover = { ...out.cutover, tagMap: await load(out.cutover.tagMap) };
  if (isRecord(out.successCriteria) && Array.isArray(out.successCriteria.scenarios))
    out.successCriteria = {
      ...out.successCriteria,
      scenarios: await Promise.all(out.successCriteria.scenarios.map(load)),
    };
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
