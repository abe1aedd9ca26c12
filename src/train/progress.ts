// A progress bar for long loops: samples/s, loss and ETA. Falls back to plain periodic lines when
// stderr is not a terminal (CI logs), and stays silent when disabled.
import cliProgress from 'cli-progress';

export interface ProgressOptions {
  label: string;
  total: number;
  enabled?: boolean;
  /** Unit counted by `update` (default "samples"). */
  unit?: string;
}

export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private readonly t0 = performance.now();
  private lastLine = 0;
  private done = 0;
  private fields: Record<string, string> = { loss: '-', speed: '-', extra: '' };

  constructor(private readonly o: ProgressOptions) {
    if (o.enabled === false) return;
    if (process.stderr.isTTY) {
      this.bar = new cliProgress.SingleBar({
        format: `${o.label} [{bar}] {percentage}% | {value}/{total} ${o.unit ?? 'samples'} | {speed}/s | loss {loss} | ETA {eta_formatted} {extra}`,
        barsize: 24, hideCursor: true, stream: process.stderr, etaBuffer: 50, fps: 5,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(o.total, 0, this.fields);
    }
  }

  update(done: number, loss?: number, extra = ''): void {
    this.done = done;
    const secs = (performance.now() - this.t0) / 1000;
    this.fields = {
      loss: loss === undefined ? '-' : loss.toFixed(4),
      speed: secs > 0 ? Math.round(done / secs).toLocaleString('en-US') : '-',
      extra,
    };
    if (this.bar) { this.bar.update(done, this.fields); return; }
    if (this.o.enabled === false) return;
    if (secs - this.lastLine >= 10 || done >= this.o.total) {
      this.lastLine = secs;
      const eta = done > 0 ? ((this.o.total - done) * secs) / done : 0;
      process.stderr.write(`${this.o.label}: ${done}/${this.o.total} ${this.o.unit ?? 'samples'} | ${this.fields.speed}/s | loss ${this.fields.loss} | ETA ${eta.toFixed(0)}s ${extra}\n`);
    }
  }

  stop(): { seconds: number; perSecond: number } {
    if (this.bar) this.bar.stop();
    const seconds = (performance.now() - this.t0) / 1000;
    return { seconds, perSecond: seconds > 0 ? this.done / seconds : 0 };
  }
}
