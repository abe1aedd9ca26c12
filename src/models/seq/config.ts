// The model's `sequence:` section (any registry model): which behaviour sequences get a sequence
// block instead of their mean-pooled embedding, and the block's options. Validated here; applied
// by input.ts (the shared input layer) and, for SIM soft search, by sim.ts (the lookup stage).
import { z } from 'zod';
import { formatZodError } from '../../util/zod-error.js';

const dims = z.array(z.number().int().positive());

export const SeqBlockSchema = z.object({
  /** A `sequence` (or `multi_id`) feature: its unpooled rows [B, L, D] feed the block. */
  feature: z.string().min(1),
  /** The candidate's feature whose embedding is the query (e.g. streamer_id for seq_streamers). */
  query: z.string().min(1).optional(),
  /**
   * din: target attention over the sequence; bst: self-attention, then `after`; hstu: causal
   * pointwise-attention transformer with the candidate as the query token (hstu.ts); mean: masked
   * mean (the pooled baseline, through the same path).
   */
  block: z.enum(['din', 'bst', 'hstu', 'mean']).default('din'),
  /** DIN activation unit: [q, k, q − k, q ⊙ k] → MLP(hidden) → 1. */
  attention_mlp: dims.default([36]),
  attention_activation: z.enum(['relu', 'sigmoid', 'tanh', 'leaky_relu']).default('sigmoid'),
  /** Normalise the DIN weights with a softmax over the valid positions (the paper does not). */
  softmax: z.boolean().default(false),
  // ---- BST / HSTU (self-attention) options ----
  heads: z.number().int().positive().default(2),
  layers: z.number().int().positive().default(1),
  /** Feed-forward hidden width (default 4·D). */
  ffn: z.number().int().positive().optional(),
  /** Learned position embeddings (position 0 = the most recent behaviour). */
  position: z.boolean().default(true),
  /** A sequence feature aligned with `feature` (e.g. time-since buckets) whose embeddings are added. */
  time_feature: z.string().min(1).optional(),
  /** BST: Pre-LN (x + Sublayer(LN(x)), then a final LN) instead of the original post-LN. */
  pre_ln: z.boolean().default(false),
  /** After self-attention: target attention (din, needs `query`) or masked mean pooling. */
  after: z.enum(['din', 'mean']).default('din'),
  /** SIM soft search: keep the top-k behaviours by ⟨e_candidate, e_behaviour⟩ before the block. */
  sim: z.object({ k: z.number().int().positive().max(1000) }).strict().optional(),
}).strict();

export type SeqBlock = z.infer<typeof SeqBlockSchema>;

/** Validate `model.sequence` (a list of blocks); errors name the key. */
export function parseSequence(raw: unknown, where = 'model.sequence'): SeqBlock[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new Error(`${where}: expected a list of { feature, query, block, ... }, got ${JSON.stringify(raw)}`);
  const out = raw.map((r, i) => {
    const p = SeqBlockSchema.safeParse(r);
    if (!p.success) throw new Error(formatZodError(p.error, `${where}[${i}]`, r));
    const b = p.data;
    const needsQuery = b.block === 'din' || b.block === 'hstu' || (b.block === 'bst' && b.after === 'din') || !!b.sim;
    if (needsQuery && !b.query) throw new Error(`${where}[${i}] (${b.feature}): block ${b.block}${b.sim ? ' with sim' : ''} needs \`query\`: the candidate's feature of the same table (e.g. streamer_id for seq_streamers)`);
    if (b.sim && b.time_feature) throw new Error(`${where}[${i}] (${b.feature}): time_feature with sim is not supported (the selection would have to be applied to both sequences)`);
    return b;
  });
  const seen = new Set<string>();
  for (const b of out) {
    if (seen.has(b.feature)) throw new Error(`${where}: feature "${b.feature}" has two blocks`);
    seen.add(b.feature);
  }
  return out;
}

/** The graph input holding a sequence feature's unpooled rows [B, L, D]. */
export const seqInput = (feature: string) => `seq.${feature}`;

/** Positions the graph sees for a feature of `maxLen`: k after SIM soft search, else maxLen. */
export function effectiveLength(b: SeqBlock | undefined, maxLen: number): number {
  return b?.sim ? Math.min(b.sim.k, maxLen) : maxLen;
}
