// When the page re-renders after model changes.
//
// Not in requestAnimationFrame: asking for a frame makes WebKit run a rendering update, and
// its display link then keeps ticking for 20 more frames, even when the render changes no DOM
// (the once-a-second clock tick on most screens). A timer renders the model without asking for
// a frame; WebKit still paints only what changed, once per frame (README, idle cost).

/** What the scheduler needs from the page (tests pass a fake clock). */
export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): void;
}

/** At most one render per this many ms: a burst of events is one render, as with rAF. */
export const MIN_GAP_MS = 16;

/**
 * Returns the `redraw` the App calls on every model change: the first change renders on the
 * next task, and changes within MIN_GAP_MS of the last render wait for the gap to end, so any
 * number of changes cost one render each gap.
 */
export function renderScheduler(render: () => void, clock: Clock): () => void {
  let queued = false;
  let last = -Infinity;
  return () => {
    if (queued) return;
    queued = true;
    clock.setTimer(() => {
      queued = false;
      last = clock.now();
      render();
    }, Math.max(0, last + MIN_GAP_MS - clock.now()));
  };
}
