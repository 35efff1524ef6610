/**
 * Polls `check` until it returns true; false when `deadlineMs` passed first. For what happens asynchronously and
 * cannot be awaited directly: a callback applied, a server that comes up, a revocation that propagates.
 *
 * @example
 * expect(await eventually(() => gateway.logs.some((line) => line.includes('applied')), 5_000)).toBe(true);
 */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  deadlineMs: number,
  pauseMs = 25,
): Promise<boolean> {
  const until = performance.now() + deadlineMs;
  for (;;) {
    if (await check()) return true;
    if (performance.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
