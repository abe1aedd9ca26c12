// Per-stage time budgets of the funnel. A stage gets an AbortSignal that fires when its budget is
// spent; the caller gets the value, or a timeout / an error it turns into a degraded answer. The work
// of a timed-out stage may run on (a store call in flight); its result is dropped.

export type StageOutcome<T> =
  | { ok: true; value: T; ms: number }
  | { ok: false; reason: 'timeout'; ms: number }
  | { ok: false; reason: 'error'; error: Error; ms: number };

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

export async function runStage<T>(budgetMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<StageOutcome<T>> {
  const t0 = now();
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => { ac.abort(new Error(`stage budget ${budgetMs} ms spent`)); resolve('timeout'); }, budgetMs); });
  let p: Promise<T>;
  try { p = work(ac.signal); } catch (e) { clearTimeout(timer); return { ok: false, reason: 'error', error: e as Error, ms: now() - t0 }; }
  p.catch(() => {});
  try {
    const r = await Promise.race([p.then((value) => ({ value })), late]);
    if (r === 'timeout') return { ok: false, reason: 'timeout', ms: now() - t0 };
    return { ok: true, value: r.value, ms: now() - t0 };
  } catch (e) {
    return { ok: false, reason: 'error', error: e as Error, ms: now() - t0 };
  } finally {
    clearTimeout(timer);
  }
}
