// A hot-reloaded config file: `current` is always a fully validated value. The holder watches the
// file's directory (editors and atomic writers replace the file by rename, which a watch on the file
// itself would lose) and re-reads after a short debounce. A new file that fails to read or validate
// is refused: the error is logged, `lastError` set, and the old value keeps serving. The swap is one
// reference assignment, so a request that read `current` once uses one consistent config throughout.
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export interface HotConfigOptions {
  /** Called with one line per refused or accepted reload. Default: console.error. */
  log?: (msg: string) => void;
  debounceMs?: number;
}

export type ReloadOutcome = { ok: true; changed: boolean; version: number } | { ok: false; error: string; version: number };

export class HotConfig<T> {
  readonly path: string;
  private value: T;
  private text: string;
  private ver = 1;
  private err: string | null = null;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly log: (msg: string) => void;
  private readonly debounceMs: number;
  private listeners: ((value: T, version: number) => void)[] = [];

  /** Loads the file now; a bad initial file throws (there is no old value to keep). */
  constructor(path: string, private readonly parse: (text: string, source: string) => T, opts: HotConfigOptions = {}) {
    this.path = resolve(path);
    this.log = opts.log ?? ((m) => console.error(m));
    this.debounceMs = opts.debounceMs ?? 50;
    this.text = readFileSync(this.path, 'utf8');
    this.value = parse(this.text, this.path);
  }

  get current(): T { return this.value; }
  /** 1 for the initial file, +1 per accepted change. */
  get version(): number { return this.ver; }
  /** The last refused reload's error, cleared by the next accepted one. */
  get lastError(): string | null { return this.err; }

  onChange(fn: (value: T, version: number) => void): void { this.listeners.push(fn); }

  /** Re-read the file now (also what the watcher and an admin route call). */
  reload(): ReloadOutcome {
    let text: string, next: T;
    try {
      text = readFileSync(this.path, 'utf8');
      if (text === this.text) { this.err = null; return { ok: true, changed: false, version: this.ver }; }
      next = this.parse(text, this.path);
    } catch (e) {
      const error = (e as Error).message;
      if (error !== this.err) this.log(`config reload refused, keeping version ${this.ver}: ${error}`);
      this.err = error;
      return { ok: false, error, version: this.ver };
    }
    this.value = next;
    this.text = text;
    this.ver++;
    this.err = null;
    this.log(`config reloaded: ${this.path} (version ${this.ver})`);
    for (const fn of this.listeners) {
      try { fn(next, this.ver); } catch (e) { this.log(`config change listener failed: ${(e as Error).message}`); }
    }
    return { ok: true, changed: true, version: this.ver };
  }

  /** Start watching; idempotent. */
  start(): this {
    if (this.watcher) return this;
    const name = basename(this.path);
    this.watcher = watch(dirname(this.path), { persistent: false }, (_event, file) => {
      if (file !== null && file !== name) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => { this.timer = null; this.reload(); }, this.debounceMs);
    });
    this.watcher.on('error', (e) => this.log(`config watch error on ${this.path}: ${e.message}`));
    return this;
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
