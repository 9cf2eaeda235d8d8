import { describe, expect, it } from 'vitest';
import { RequestBudget } from './budget';

describe('RequestBudget', () => {
  it('allows sixty requests in a minute and refuses the sixty-first', () => {
    const b = new RequestBudget(60, 60_000);
    for (let i = 0; i < 60; i++) expect(b.tryTake(i * 10)).toBe(true);
    expect(b.tryTake(700)).toBe(false);
    expect(b.used(700)).toBe(60);
  });

  it('frees a slot exactly one window after the oldest request', () => {
    const b = new RequestBudget(2, 1_000);
    b.tryTake(0);
    b.tryTake(100);
    expect(b.nextFreeAt(500)).toBe(1_000);
    expect(b.tryTake(999)).toBe(false);
    expect(b.tryTake(1_000)).toBe(true);
  });

  it('never exceeds the limit in any sliding window under constant pressure', () => {
    const b = new RequestBudget(60, 60_000);
    const taken: number[] = [];
    for (let t = 0; t < 300_000; t += 137) if (b.tryTake(t)) taken.push(t);
    for (const start of taken) {
      const inWindow = taken.filter((t) => t >= start && t < start + 60_000).length;
      expect(inWindow).toBeLessThanOrEqual(60);
    }
  });
});
