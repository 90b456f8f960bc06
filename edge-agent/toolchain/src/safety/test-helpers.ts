/** Test helpers: small projects from inline ST, and a policy with defaults. */
import { Migration, SitePolicy } from '@plcfleet/protocols';
import { ProjectIndex } from './project-index';
import { projectFromSources, type SafetyProject } from './safety-project';

/** A project from inline sources; throws on front-end errors so tests fail at the right place. */
export function stProject(files: Record<string, string>): SafetyProject {
  const p = projectFromSources(files);
  const errors = p.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0)
    throw new Error(errors.map((d) => `${d.file}:${d.line} ${d.code} ${d.message}`).join('\n'));
  return p;
}

/** Index of inline sources. */
export function stIndex(files: Record<string, string>): ProjectIndex {
  const p = stProject(files);
  return new ProjectIndex(p.units, p.checked);
}

/** A site policy with only the given lists. */
export function testPolicy(fields: Partial<Omit<SitePolicy, 'apiVersion' | 'kind' | 'site'>>): SitePolicy {
  return SitePolicy.parse({ apiVersion: 'plcfleet/v1', kind: 'SitePolicy', site: 'test-site', ...fields });
}

/** A safety-related code migration whose recipe changes nothing: the proofs run, the change is the test's. */
export const safetyRelatedTaskOrder = Migration.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'Migration',
  id: 'task-order',
  title: 'Task order',
  type: 'code',
  safetyClass: 'safety-related',
  goal: 'Rework the cell',
  recipe: { rules: [{ name: 'same', match: '$x := $y;', replace: '$x := $y;' }] },
  scope: { maxChangedLines: 20 },
});
