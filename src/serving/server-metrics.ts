// Prometheus metrics of one service instance (own registry, so tests and several servers in one
// process never share counters): request counts and latency per route, the model being served,
// reloads, and candidates scored.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'liverank_http_requests_total', help: 'HTTP requests by route, method and status code', labelNames: ['route', 'method', 'status'] as const, registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'liverank_http_request_duration_seconds', help: 'HTTP request latency by route (seconds)', labelNames: ['route', 'method'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry],
  });
  readonly stage = new Histogram({
    name: 'liverank_rank_stage_duration_seconds', help: 'POST /rank stage latency (profile, recall, pairs, coarse, features, featurize, infer, fusion, rerank)', labelNames: ['stage'] as const,
    buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5], registers: [this.registry],
  });
  readonly candidates = new Counter({ name: 'liverank_rank_candidates_total', help: 'Candidates scored by the fine ranker', registers: [this.registry] });
  readonly timeouts = new Counter({ name: 'liverank_rank_timeouts_total', help: 'POST /rank requests answered 503 because fine ranking exceeded rank_timeout_ms', registers: [this.registry] });
  readonly reloads = new Counter({ name: 'liverank_model_reloads_total', help: 'POST /admin/reload outcomes', labelNames: ['result'] as const, registers: [this.registry] });
  readonly degraded = new Counter({ name: 'liverank_degraded_total', help: 'Requests answered with feature defaults because a store was down, failing or late', labelNames: ['store'] as const, registers: [this.registry] });
  readonly degradedNow = new Gauge({ name: 'liverank_degraded', help: '1 while the last call to the store failed (degraded mode), else 0', labelNames: ['store'] as const, registers: [this.registry] });
  readonly stageTimeouts = new Counter({ name: 'liverank_stage_timeouts_total', help: 'Funnel stages that exceeded their time budget', labelNames: ['stage'] as const, registers: [this.registry] });
  readonly fallbacks = new Counter({ name: 'liverank_fallbacks_total', help: 'Funnel stages replaced by their fallback (recall: popular live rooms; coarse: recall order)', labelNames: ['stage'] as const, registers: [this.registry] });
  readonly events = new Counter({ name: 'liverank_events_total', help: 'POST /events records applied, by kind', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly fusionReloads = new Counter({ name: 'liverank_fusion_reloads_total', help: 'Fusion config reloads (file watch or admin)', labelNames: ['result'] as const, registers: [this.registry] });
  readonly model = new Gauge({ name: 'liverank_model_info', help: 'The model being served (value 1; labels identify it)', labelNames: ['run', 'sha256'] as const, registers: [this.registry] });

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'liverank_' });
  }

  serving(run: string, sha256: string): void {
    this.model.reset();
    this.model.set({ run, sha256 }, 1);
  }
}
