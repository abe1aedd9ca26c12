// The request values the model was trained on: scenario and country (the fitted vocabularies of the
// id features reading those columns, features.json). A value outside them is refused (400 naming the
// value and the allowed list) instead of being scored with the shared OOV embedding: a new scenario
// or market needs a model that knows it. Columns without a vocabulary (hashed ids) accept anything.
import { parseFeatureConfig, type FittedFeatures } from '../../features/index.js';

export const CHECKED_COLUMNS = ['scenario', 'country'] as const;

export class UnknownValueError extends Error {
  override readonly name = 'UnknownValueError';
}

export class RequestVocab {
  private constructor(readonly allowed: ReadonlyMap<string, ReadonlySet<string>>) {}

  static of(fitted: FittedFeatures): RequestVocab {
    const cfg = parseFeatureConfig(fitted.config, 'features.json (embedded config)');
    const allowed = new Map<string, Set<string>>();
    for (const col of CHECKED_COLUMNS) {
      for (const f of cfg.features) {
        if (f.kind !== 'id' || f.column !== col) continue;
        const v = fitted.vocabs[(f as { table?: string }).table ?? f.name];
        if (v) { allowed.set(col, new Set(v)); break; }
      }
    }
    return new RequestVocab(allowed);
  }

  /** Throws UnknownValueError for a value of a checked column outside the trained vocabulary (null/absent pass: missing). */
  check(column: string, value: unknown, where: string): void {
    const set = this.allowed.get(column);
    if (!set || value === undefined || value === null) return;
    if (!set.has(String(value))) throw new UnknownValueError(`${where}: unknown ${column} ${JSON.stringify(value)}; the model was trained on ${[...set].map((x) => JSON.stringify(x)).join(', ')}`);
  }

  list(column: string): string[] | undefined {
    const s = this.allowed.get(column);
    return s ? [...s] : undefined;
  }
}
