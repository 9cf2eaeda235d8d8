import { describe, expect, it } from 'vitest';
import { MIN_GAP_MS, renderScheduler } from './schedule';

/** A fake clock whose timers run only when the test advances it. */
function fakeClock() {
  let t = 1000;
  let timers: Array<{ at: number; fn: () => void }> = [];
  return {
    now: () => t,
    setTimer: (fn: () => void, ms: number) => { timers.push({ at: t + ms, fn }); },
    pending: () => timers.map((x) => x.at - t),
    /** Runs each timer due by now + ms at its own time, then stops at now + ms. */
    advance(ms: number) {
      const end = t + ms;
      for (;;) {
        const next = timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!next) break;
        timers = timers.filter((x) => x !== next);
        t = next.at;
        next.fn();
      }
      t = end;
    },
  };
}

describe('renderScheduler', () => {
  it('renders once, on the next task, for any number of changes in one task', () => {
    const clock = fakeClock();
    let renders = 0;
    const redraw = renderScheduler(() => renders++, clock);
    redraw(); redraw(); redraw();
    expect(renders).toBe(0);
    expect(clock.pending()).toEqual([0]);
    clock.advance(0);
    expect(renders).toBe(1);
  });

  it('spaces renders at least MIN_GAP_MS apart, and never drops the last change', () => {
    const clock = fakeClock();
    let renders = 0;
    const redraw = renderScheduler(() => renders++, clock);
    redraw();
    clock.advance(0);
    clock.advance(5);
    redraw();
    expect(clock.pending()).toEqual([MIN_GAP_MS - 5]);
    redraw();
    clock.advance(MIN_GAP_MS - 6);
    expect(renders).toBe(1);
    clock.advance(1);
    expect(renders).toBe(2);
    expect(clock.pending()).toEqual([]);
  });

  it('renders at once after a quiet spell (the once-a-second tick)', () => {
    const clock = fakeClock();
    let renders = 0;
    const redraw = renderScheduler(() => renders++, clock);
    for (let i = 1; i <= 3; i++) {
      redraw();
      expect(clock.pending()).toEqual([0]);
      clock.advance(1000);
      expect(renders).toBe(i);
    }
  });
});
