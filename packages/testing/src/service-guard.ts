/**
 * Whether a suite that needs an outside service (Redis, redis-server, Chromium, nginx) runs. A developer without the
 * service gets a visible skip; CI (`CI=true`), which installs every service, fails instead, so a broken install never
 * turns into a green run that tested nothing.
 *
 * @param suite what is skipped, as a warning names it ("the Redis store tests").
 * @param problem why the service cannot be used, with the remedy ("nginx is not installed (apt-get install
 *   nginx-light)"), or undefined when it can.
 * @param ci the `CI` variable; a parameter so the policy itself can be tested.
 * @returns true when the suite runs, false when it is skipped.
 * @throws Error naming the problem, under CI.
 *
 * @example
 * const hasNginx = serviceAvailable('the nginx tests', nginx ? undefined : 'nginx is not installed');
 * describe.skipIf(!hasNginx)('nginx in front of the gateway', () => { … });
 */
export function serviceAvailable(suite: string, problem: string | undefined, ci = process.env.CI): boolean {
  if (problem === undefined) return true;
  if (ci === 'true') throw new Error(`${problem}; CI requires it for ${suite}`);
  console.warn(`Skipping ${suite}: ${problem}`);
  return false;
}
