/**
 * The migration's equivalence criteria, made concrete for one program.
 *
 * A migration is written once for a fleet, so its assumptions and relations
 * are often written in the names of its own examples (`Guard_Sensor_Redundant
 * = Guard_Sensor`, `Safety_OK: new -> old`). Where such a name is not declared
 * in the program, the criterion is instantiated for every place a rule
 * applied: the rule's pattern matched on the example gives the example's name
 * for each metavariable (`sensor` → `Guard_Sensor`), and each application
 * gives the site's name (`sensor` → `Front_Guard_Closed`); a name equal to the
 * example's, or starting with it and `_` (`Guard_Sensor_Redundant`), is
 * rewritten (`Front_Guard_Closed_Redundant`). A criterion that cannot be
 * instantiated is kept as written, and the simulator then refuses it (fail closed).
 */
import type { Migration } from '@plcfleet/protocols';
import { exampleBindings, type RuleApplication } from '../transform';

const KEYWORDS = new Set(['true', 'false', 'and', 'or', 'not', 'xor', 'mod', 'new', 'old']);
const NAME = /[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*/g;

function namesOf(text: string): string[] {
  return (text.replace(/'(?:[^']|'')*'|T#[\w.#-]+|TIME#[\w.#-]+/gi, ' ').match(NAME) ?? []).filter(
    (n) => !KEYWORDS.has(n.toLowerCase()),
  );
}

/**
 * Instantiates criteria texts for a program. `known(name)` says whether the
 * program declares a name. Returns the deduplicated list, in a stable order.
 */
export function instantiateCriteria(
  texts: readonly string[],
  migration: Migration,
  applications: readonly RuleApplication[],
  known: (name: string) => boolean,
): string[] {
  const examples = exampleBindings(migration);
  const out: string[] = [];
  const push = (t: string) => {
    if (!out.includes(t)) out.push(t);
  };
  for (const text of texts) {
    const unknown = namesOf(text).filter((n) => !known(n));
    if (unknown.length === 0) {
      push(text);
      continue;
    }
    let instantiated = false;
    for (const app of applications) {
      for (const ex of examples.filter((e) => e.rule === app.rule)) {
        const pairs = Object.entries(ex.bindings)
          .filter(
            ([k, v]) =>
              /^[A-Za-z_]\w*$/.test(v) &&
              app.bindings[k] !== undefined &&
              /^[A-Za-z_][\w.]*$/.test(app.bindings[k]!),
          )
          .sort((a, b) => b[1].length - a[1].length);
        let ok = true;
        const result = text.replace(NAME, (name) => {
          if (KEYWORDS.has(name.toLowerCase()) || known(name)) return name;
          for (const [k, exName] of pairs) {
            const lower = name.toLowerCase();
            const e = exName.toLowerCase();
            if (lower === e) return app.bindings[k]!;
            if (lower.startsWith(`${e}_`)) return app.bindings[k]! + name.slice(exName.length);
          }
          ok = false;
          return name;
        });
        if (ok && namesOf(result).every(known)) {
          push(result);
          instantiated = true;
        }
      }
    }
    if (!instantiated) push(text);
  }
  return out;
}
