/**
 * The order in which the sizes take their turns in round `round` (counted from 1): as given in odd rounds, reversed
 * in even ones. Within a round the sizes are measured one after another, and the later turn found the machine a
 * little busier: of two gateways on identical 10,000-session files, the one measured second cost 2–4 % more CPU per
 * request (docs/benchmarks.md, run V). Alternating puts each size as often early as late, so that the medians
 * compare the sizes rather than their places in the round.
 */
export function roundOrder<T>(entries: readonly T[], round: number): readonly T[] {
  return round % 2 === 1 ? entries : entries.toReversed();
}
