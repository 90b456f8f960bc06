/** Options every API call accepts. */
export interface RequestOptions {
  /** Aborts the call; it then rejects with a `PlcfleetError` of code `ABORTED`. */
  signal?: AbortSignal | undefined;
}

/** Encodes one path segment (ids and names may hold `.`, `@` or other characters). */
export const seg = (s: string): string => encodeURIComponent(s);
