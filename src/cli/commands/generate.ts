// `liverank generate [--impressions N] [--seed S] [--days D] [--heterogeneity none|multi_scenario] [--logging-policy random|biased] [--long-history [JSON]] [--out PATH]`:
// writes the synthetic live-stream world (impressions + users + rooms side tables + meta.json with realised statistics;
// with --long-history also the per-user behaviour log and the long-term truth, docs/world.md §15).
import type { Command } from 'commander';
import { generateWorld } from '../../data/world/generate.js';
import { formatWorldStats, summarizeWorld } from '../../data/world/stats.js';
import { writeWorld, worldPaths } from '../../data/world/write.js';
import { writeLongWorld } from '../../data/world/long-generate.js';
import type { WorldOptions } from '../../data/world/generate.js';
import { parseHeterogeneity } from '../../data/world/hetero.js';
import { HETEROGENEITY_KINDS } from '../../data/world/hetero-params.js';
import { BIASED_LOG, LOGGING_POLICIES, parseLoggingNoise, parseLoggingPolicy } from '../../data/world/biased-log.js';

function posInt(v: string, name: string, min: number): number {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: expected an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

function fraction(v: string, name: string): number {
  const x = Number(v);
  if (!(x > 0 && x <= 1)) throw new Error(`${name}: expected a number in (0, 1], got ${JSON.stringify(v)}`);
  return x;
}

export function register(program: Command): void {
  program
    .command('generate')
    .description('generate the synthetic live-stream world (impressions with labels and true probabilities, users, rooms, meta.json)')
    .option('-n, --impressions <n>', 'number of impressions', '1000000')
    .option('-s, --seed <n>', 'random seed (same seed => identical files)', '1')
    .option('--days <n>', 'simulated days', '1')
    .option('--live-rooms <n>', 'rooms live at a time per million impressions a day (default 10500)')
    .option('--users-per-impression <x>', 'users per impression (default 0.05)')
    .option('--heterogeneity <kind>', `${HETEROGENEITY_KINDS.join(' | ')}: per-scenario and per-country coefficients (docs/world.md §10)`, 'none')
    .option('--logging-policy <kind>', `${LOGGING_POLICIES.join(' | ')}: biased orders each request by a noisy estimate of relevance and writes the counterfactual truth (docs/world.md §12)`, 'random')
    .option('--logging-noise <sd>', `biased policy: sd of its per-proposal error on the click logit (default ${BIASED_LOG.noise})`)
    .option('--logging-streamer-noise <sd>', `biased policy: sd of its persistent per-streamer error on the click logit (default ${BIASED_LOG.streamerNoise})`)
    .option('--drift', 'drifting world: category appeal moves day by day, new streamers are born each day (docs/world.md "Drift")')
    .option('--long-history [json]', 'long behaviour histories: each user\'s log of up to 1 000 behaviours (prior + the world\'s own) written beside the impressions (<out>.behaviors.bin, <out>.long.csv), dormant interests in the truth (docs/world.md §15); optional JSON options, e.g. \'{"max_len":1000}\'')
    .option('-o, --out <path>', 'impressions file; .parquet, .csv or .jsonl (side tables and meta.json go next to it)', 'data/generated/world.parquet')
    .option('-q, --quiet', 'no progress line or summary table')
    .action(async (o: { impressions: string; seed: string; days: string; out: string; quiet?: boolean; liveRooms?: string; usersPerImpression?: string; heterogeneity: string; loggingPolicy: string; loggingNoise?: string; loggingStreamerNoise?: string; drift?: boolean; longHistory?: string | true }) => {
      const impressions = posInt(o.impressions, '--impressions', 1000);
      const seed = posInt(o.seed, '--seed', 0);
      const days = posInt(o.days, '--days', 1);
      const liveRoomsPerMillionPerDay = o.liveRooms === undefined ? undefined : posInt(o.liveRooms, '--live-rooms', 1);
      const usersPerImpression = o.usersPerImpression === undefined ? undefined : fraction(o.usersPerImpression, '--users-per-impression');
      const heterogeneity = parseHeterogeneity(o.heterogeneity, '--heterogeneity');
      const loggingPolicy = parseLoggingPolicy(o.loggingPolicy, '--logging-policy');
      const sd = (v: string | undefined, name: string) => {
        if (v === undefined) return undefined;
        const x = v.trim() === '' ? NaN : Number(v);
        if (!Number.isFinite(x)) throw new Error(`${name}: expected a finite number >= 0, got ${JSON.stringify(v)}`);
        return parseLoggingNoise(x, loggingPolicy, name);
      };
      const loggingNoise = sd(o.loggingNoise, '--logging-noise');
      const loggingStreamerNoise = sd(o.loggingStreamerNoise, '--logging-streamer-noise');
      let longHistory: WorldOptions['longHistory'];
      if (o.longHistory === true) longHistory = true;
      else if (o.longHistory !== undefined) {
        try { longHistory = JSON.parse(o.longHistory) as WorldOptions['longHistory']; } catch (e) { throw new Error(`--long-history: expected JSON options such as '{"max_len":1000}', got ${JSON.stringify(o.longHistory)} (${(e as Error).message})`); }
      }
      const paths = worldPaths(o.out); // validates the extension before the work
      const say = (s: string) => { if (!o.quiet) process.stderr.write(s); };
      const t0 = Date.now();
      const world = generateWorld({
        impressions, seed, days, liveRoomsPerMillionPerDay, usersPerImpression, heterogeneity, loggingPolicy, loggingNoise, loggingStreamerNoise, ...(o.drift ? { drift: true } : {}), ...(longHistory ? { longHistory } : {}),
        onProgress: (done, total) => say(`\rgenerating: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} impressions (${((Date.now() - t0) / 1000).toFixed(1)} s)`),
      });
      say(`\ngenerated ${impressions.toLocaleString('en-US')} impressions, ${world.meta.sizes.users.toLocaleString('en-US')} users, `
        + `${world.meta.sizes.rooms.toLocaleString('en-US')} live sessions (${world.meta.sizes.avgLiveRooms.toLocaleString('en-US')} live on average) in ${(world.meta.generationMs / 1000).toFixed(1)} s\n`);
      const t1 = Date.now();
      const stats = summarizeWorld(world);
      const t2 = Date.now();
      const log = longHistory ? await writeLongWorld(o.out, world, stats) : (await writeWorld(o.out, world, stats), null);
      const t3 = Date.now();
      if (!o.quiet) {
        process.stdout.write(`${formatWorldStats(stats)}\n`);
        process.stdout.write(`(rates on the exposure space; watch|entered = mean watch seconds of clicked (home/outside) or all (slide) impressions; AUC = oracle AUC of the true probability)\n`);
      }
      if (log) {
        const l = world.meta.longHistory!.stats;
        process.stdout.write(`behaviour log ${log}: ${l.priorBehaviors.toLocaleString('en-US')} prior + ${l.worldBehaviors.toLocaleString('en-US')} world behaviours (mean prior ${l.meanPriorLen.toFixed(0)}, ${l.usersAtMax} users at max_len); long-term truth ${log.replace(/\.behaviors\.bin$/, '.long.csv')}\n`);
      }
      process.stdout.write(`wrote ${paths.impressions}, ${paths.users}, ${paths.rooms}, ${paths.meta} `
        + `(generate ${(world.meta.generationMs / 1000).toFixed(1)} s, statistics ${((t2 - t1) / 1000).toFixed(1)} s, write ${((t3 - t2) / 1000).toFixed(1)} s)\n`);
    });
}
