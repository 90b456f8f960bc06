#!/usr/bin/env node
// The fleet demo (`npm start`). Until the whole loop lands (issue 9) it shows the
// newest end-to-end piece that exists: every example document validated by the
// protocol schemas that control plane and agents share.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOCUMENT_SCHEMAS, parseWith } from '@plcfleet/protocols';
import YAML from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let failed = 0;
for (const dir of ['migrations', 'policies', 'tagmaps', 'rollouts', 'sites']) {
  for (const file of readdirSync(join(root, dir)).filter((f) => f.endsWith('.yaml'))) {
    const doc = YAML.parse(readFileSync(join(root, dir, file), 'utf8'));
    const schema = DOCUMENT_SCHEMAS[doc?.kind];
    const r = schema
      ? parseWith(schema, doc, `${dir}/${file}`)
      : { ok: false, error: `${dir}/${file}: unknown kind` };
    console.log(r.ok ? `ok    ${dir}/${file} (${doc.kind})` : `FAIL  ${r.error}`);
    if (!r.ok) failed++;
  }
}
console.log('\nThe full fleet demo (control plane, three virtual plants, three agents) is not built yet.');
process.exit(failed ? 1 : 0);
