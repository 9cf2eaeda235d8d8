/**
 * A sliding-window request budget: at most `limit` requests in any `windowMs`.
 * The server allows 100 requests/min per IP; we keep to 60 so the CLI and a browser tab fit too.
 */
export class RequestBudget {
  private readonly taken: number[] = [];

  constructor(
    readonly limit = 60,
    readonly windowMs = 60_000,
  ) {}

  private prune(now: number): void {
    while (this.taken.length > 0 && this.taken[0]! <= now - this.windowMs) this.taken.shift();
  }

  /** Takes one request slot if available; returns whether it did. */
  tryTake(now: number): boolean {
    this.prune(now);
    if (this.taken.length >= this.limit) return false;
    this.taken.push(now);
    return true;
  }

  /** The earliest time a slot is free (now when one is free already). */
  nextFreeAt(now: number): number {
    this.prune(now);
    if (this.taken.length < this.limit) return now;
    return this.taken[0]! + this.windowMs;
  }

  /** Requests used in the window ending at `now`. */
  used(now: number): number {
    this.prune(now);
    return this.taken.length;
  }
}
