// Bounded tables for the streaming trainer: every embedding table with more buckets than the
// capacity is replaced (before the step graph is built) by a table of capacity + 1 rows behind an
// AdmittedTable (frequency admission, TTL / LFU eviction, a shared default row). Feature ids — the
// fitted bucket ids — are the keys; each batch's ids are mapped to rows in place before the feeds are
// built and the gradient scattered, so the Assembler and the step graph are unchanged.
import { EmbeddingTable } from '../../embedding/index.js';
import { AdmittedTable, type AdmissionOptions } from '../../embedding/admission.js';
import type { FeatureBatch } from '../../features/index.js';
import type { Assembler } from '../assembler.js';

export interface BoundedStats { tables: number; used: number; capacity: number; admitted: number; evicted: number; expired: number; unadmitted: number; bytes: number }

export class BoundedTables {
  readonly admitted = new Map<string, AdmittedTable>();
  /** Table name → the features (ids / multi) reading it. */
  private readonly users = new Map<string, { name: string; multi: boolean }[]>();

  constructor(asm: Assembler, readonly o: AdmissionOptions) {
    for (const t of asm.fitted.tables) {
      if (t.buckets <= o.capacity) continue;
      const old = asm.tables.get(t.name)!;
      const table = new EmbeddingTable({
        name: t.name, dim: t.dim, rows: o.capacity + 1, seed: old.seed, init: old.init, optimizer: old.optimizer.config, l2: old.l2,
      });
      asm.tables.set(t.name, table);
      this.admitted.set(t.name, new AdmittedTable(table, o));
    }
    for (const s of asm.fitted.specs) {
      if (s.output === 'dense' || !s.table || !this.admitted.has(s.table)) continue;
      const list = this.users.get(s.table) ?? [];
      list.push({ name: s.name, multi: s.output !== 'ids' });
      this.users.set(s.table, list);
    }
  }

  /** Bucket ids → rows, in place, for every feature reading a bounded table. */
  remap(fb: FeatureBatch, train: boolean): void {
    for (const [table, feats] of this.users) {
      const a = this.admitted.get(table)!;
      for (const f of feats) {
        if (!f.multi) a.mapInPlace(fb.ids[f.name]!, train);
        else { const m = fb.multi[f.name]!; a.mapInPlace(m.ids, train, m.mask); }
      }
    }
  }

  tick(): void { for (const a of this.admitted.values()) a.tick(); }

  stats(): BoundedStats {
    const s: BoundedStats = { tables: this.admitted.size, used: 0, capacity: 0, admitted: 0, evicted: 0, expired: 0, unadmitted: 0, bytes: 0 };
    for (const a of this.admitted.values()) {
      const x = a.stats();
      s.used += x.used; s.capacity += a.o.capacity; s.admitted += x.admitted; s.evicted += x.evictedLfu; s.expired += x.expiredTtl; s.unadmitted += x.unadmittedLookups;
      s.bytes += a.bytes();
    }
    return s;
  }
}
