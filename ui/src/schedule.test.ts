import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MIN_GAP_MS, renderScheduler } from './schedule';

/** The scheduler on vitest's fake timers and clock, counting renders. */
function counted() {
  const counter = { renders: 0 };
  const redraw = renderScheduler(() => counter.renders++, { now: () => Date.now(), setTimer: (fn, ms) => setTimeout(fn, ms) });
  return { counter, redraw };
}

describe('renderScheduler', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('renders once, on the next task, for any number of changes in one task', () => {
    const { counter, redraw } = counted();
    redraw(); redraw(); redraw();
    expect(counter.renders).toBe(0);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(0);
    expect(counter.renders).toBe(1);
  });

  it('spaces renders at least MIN_GAP_MS apart, and never drops the last change', () => {
    const { counter, redraw } = counted();
    redraw();
    vi.advanceTimersByTime(0);
    vi.advanceTimersByTime(5);
    redraw();
    redraw();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(MIN_GAP_MS - 6);
    expect(counter.renders).toBe(1);
    vi.advanceTimersByTime(1);
    expect(counter.renders).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('renders at once after a quiet spell (the once-a-second tick)', () => {
    const { counter, redraw } = counted();
    for (let i = 1; i <= 3; i++) {
      vi.advanceTimersByTime(1000);
      redraw();
      vi.advanceTimersByTime(0);
      expect(counter.renders).toBe(i);
    }
  });
});
