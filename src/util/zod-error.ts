// Turn a zod error into one readable message per problem: `where.path.to.key: what (allowed: …)`.
import type { z } from 'zod';

function pathStr(prefix: string, path: readonly PropertyKey[]): string {
  let s = prefix;
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : `${s ? '.' : ''}${String(p)}`;
  return s || '(root)';
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** `input` is the parsed value (so messages can show what was given). */
export function formatZodError(err: z.ZodError, where = '', input?: unknown): string {
  const lines = err.issues.map((i) => {
    const issue = i as z.core.$ZodIssue & { keys?: string[]; values?: unknown[]; expected?: string; input?: unknown; options?: unknown[] };
    if (issue.input === undefined && input !== undefined) issue.input = valueAt(input, issue.path);
    const at = pathStr(where, issue.path);
    switch (issue.code) {
      case 'unrecognized_keys':
        return `${at}: unknown key(s) ${issue.keys!.map((k) => `"${k}"`).join(', ')}`;
      case 'invalid_value':
        return `${at}: ${JSON.stringify(issue.input)} is not allowed; allowed: ${issue.values!.map((v) => JSON.stringify(v)).join(', ')}`;
      case 'invalid_type': {
        const got = issue.input === undefined ? 'nothing (missing)' : Array.isArray(issue.input) ? 'array' : typeof issue.input;
        return `${at}: expected ${issue.expected}, got ${got}`;
      }
      case 'invalid_union':
        if (issue.options) {
          return `${at}: ${JSON.stringify(issue.input)} is not allowed; allowed: ${issue.options.map((v) => JSON.stringify(v)).join(', ')}`;
        }
        return `${at}: ${issue.message}`;
      default:
        return `${at}: ${issue.message}`;
    }
  });
  return `invalid config:\n  ${lines.join('\n  ')}`;
}
