/**
 * Member reads held in locals (issue 23, decision 0174). A plant's main program reads its own
 * inputs once per FB call (`Enable`, `Sp`, `Fb` for each of 240 instances) and each FB instance
 * twice (the call, then `IF U.Alarm`); V8 reloads the program instance and re-checks its hidden
 * class after every call, because the callee might have changed it. Here a body function reads
 * each such member once, at its start, into a `const`, and uses that wherever it read the member.
 *
 * Equal values, proved on the generated code, not assumed: a member is read into a local only
 * when nothing can write it while the function runs —
 *
 * - the function itself never assigns it (`s.f3=`, `s.f3+=`, `s.f3++`) and never passes the
 *   instance on (`s` appears only as `s.f<n>`, so no method, property, action, nested chunk or
 *   `SUPER^` call receives it) and uses no computed key (`s[...]`);
 * - no other code can reach it: the module takes no reference or pointer anywhere (`$ref(`,
 *   `$deref(`, `$rt.pix(`: VAR_IN_OUT, REF_TO, POINTER, interfaces) and no body names a program
 *   instance (`$P`) or a global (`$G`), so a callee holds no path to the caller's instance.
 *
 * A read has no side effect and cannot fault, so reading at the start rather than where the
 * statement stood changes nothing; and the local is never written back, so a fault in mid-body
 * leaves the instance exactly as before. Functions with a string literal are left alone (the
 * text is not parsed). Values change only between scans (`set`, forces, restore, online change),
 * when no body is running.
 */

/** A body function as the code generator emits it: `B<i>`, a chunk `B<i>$<k>`, a split `S<k>`. */
const BODY_FN = /^function ((?:B\d+(?:\$\d+)?|S\d+))\((s(?:,\$l)?)\)\{([\s\S]*)\}$/;
/** Anything that makes a member reachable from elsewhere than its instance's own body. */
const REACHABLE = /\$ref\(|\$deref\(|\$rt\.pix\(|\$P\b|\$G\b/;
/** `s.f<n>` (not `$s.f…`, `x.s.f…`). */
const MEMBER = /(?<![\w$.])s\.(f\d+)(?![\w$])/g;
/** The instance itself, as a value: any `s` not followed by `.`. */
const BARE_S = /(?<![\w$.])s(?![\w$.])/;

/** Whether a module's body functions allow member reads in locals at all (see the file comment). */
export function membersReachable(bodies: string[]): boolean {
  return bodies.some((b) => REACHABLE.test(b));
}

/**
 * `fn` with members it reads at least twice and never writes read once into locals; `fn`
 * unchanged when it is no body function or the proof above fails for it.
 */
export function cacheMemberReads(fn: string): string {
  const m = BODY_FN.exec(fn);
  if (!m) return fn;
  const [, name, params, body] = m as unknown as [string, string, string, string];
  if (/["'`]/.test(body) || /\bfunction\b/.test(body) || /(?<![\w$.])s\[/.test(body) || BARE_S.test(body))
    return fn;
  const reads = new Map<string, number>();
  for (const r of body.matchAll(MEMBER)) reads.set(r[1] as string, (reads.get(r[1] as string) ?? 0) + 1);
  const cached: string[] = [];
  for (const [key, n] of reads) {
    if (n < 2) continue;
    const written = new RegExp(
      `(?<![\\w$.])s\\.${key}(?:\\s*(?:[-+*/%&|^]|\\*\\*|<<|>>>?|&&|\\|\\||\\?\\?)?=(?!=)|\\s*(?:\\+\\+|--))|(?:\\+\\+|--)\\s*s\\.${key}(?![\\w$])`,
    );
    if (!written.test(body)) cached.push(key);
  }
  if (cached.length === 0) return fn;
  const set = new Set(cached);
  const rewritten = body.replace(MEMBER, (all, key: string) => (set.has(key) ? `$m_${key}` : all));
  const decls = `const ${cached.map((k) => `$m_${k}=s.${k}`).join(',')};`;
  return `function ${name}(${params}){${decls}${rewritten}}`;
}
