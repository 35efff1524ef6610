/**
 * Runs the checks of `wecom-auth doctor` in order and gathers the checklist. Every check that can run does; one whose
 * needs did not pass is skipped, saying which, so a run stops only where a later check cannot run. A check that
 * throws is a failure of that check, not of the run; one that could not ask WeCom (no answer, or not WeCom's) fails
 * saying so, in the words of the {@link WecomProbeError}. A third-party app has no corps of its own, so the corp checks
 * are left out of its checklist, and its own checks (`suite-*`) run instead.
 */
import type { CheckRegistry } from './check-registry.js';
import type {
  CheckOutcome,
  CheckResult,
  CorpCheck,
  DoctorCheck,
  SetupCheck,
  Verdict,
} from './doctor-check.js';
import { DoctorContext, type DoctorInput } from './doctor-context.js';
import type { DoctorCorp } from './doctor-corp.js';
import { WecomProbeError } from './wecom-probe.js';

/** The checklist of one run. */
export interface DoctorReport {
  /** True when no check failed (warnings and skips do not fail a run). */
  readonly ok: boolean;
  /** `sandbox` when no WeCom credentials are configured; undefined when the configuration is invalid. */
  readonly mode: 'wecom' | 'sandbox' | undefined;
  /** How many checks came out each way. */
  readonly counts: Readonly<Record<Verdict, number>>;
  /** Every check's line, in the order they ran. */
  readonly results: readonly CheckResult[];
}

const passed = (verdict: Verdict | undefined): boolean => verdict === 'pass' || verdict === 'warn';

/** Runs the checks in groups: each setup check alone, consecutive corp checks as one block per corp. */
function blocksOf(checks: readonly DoctorCheck[]): (SetupCheck | CorpCheck[])[] {
  const blocks: (SetupCheck | CorpCheck[])[] = [];
  for (const check of checks) {
    const last = blocks[blocks.length - 1];
    if (check.scope === 'setup') blocks.push(check);
    else if (Array.isArray(last)) last.push(check);
    else blocks.push([check]);
  }
  return blocks;
}

async function outcomeOf(run: () => Promise<CheckOutcome>): Promise<CheckOutcome> {
  try {
    return await run();
  } catch (error) {
    // WeCom unreachable is a finding of the check, said as such; anything else is the check's own failure.
    if (error instanceof WecomProbeError) return { verdict: 'fail', summary: error.message };
    return {
      verdict: 'fail',
      summary: `The check itself failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/**
 * Runs every check of `registry` against the configuration `input` describes.
 *
 * @example
 * const report = await runDoctor({ env: process.env }, defaultDoctorChecks());
 * process.stdout.write(renderDoctorText(report));
 * process.exitCode = report.ok ? 0 : 1;
 */
export async function runDoctor(input: DoctorInput, registry: CheckRegistry): Promise<DoctorReport> {
  const context = new DoctorContext(input);
  const checks = registry.checks;
  const titles = new Map(checks.map((check) => [check.id, check.title]));
  const scopes = new Map(checks.map((check) => [check.id, check.scope]));
  const verdicts = new Map<string, Verdict>();
  const results: CheckResult[] = [];
  // A corp check's verdict is per corp; a setup check that needs one needs it for the default corp.
  const keyOf = (id: string, corp: DoctorCorp | undefined): string => {
    const of = corp ?? context.corps[0];
    return scopes.get(id) === 'corp' && of !== undefined ? `${id}@${of.corpId}` : id;
  };

  const record = async (
    check: DoctorCheck,
    corp: DoctorCorp | undefined,
    run: () => Promise<CheckOutcome>,
  ): Promise<void> => {
    const unmet = check.needs.find((need) => {
      const verdict = verdicts.get(keyOf(need, corp));
      // A third-party app has no corps of its own: a corp check never runs, and holds back no setup check.
      if (verdict === undefined && scopes.get(need) === 'corp' && context.suite !== undefined) return false;
      return !passed(verdict);
    });
    const outcome: CheckOutcome =
      unmet === undefined
        ? await outcomeOf(run)
        : { verdict: 'skip', summary: `Not run: it needs "${titles.get(unmet) ?? unmet}" to pass.` };
    verdicts.set(keyOf(check.id, corp), outcome.verdict);
    results.push({ id: check.id, title: check.title, ...(corp ? { corpId: corp.corpId } : {}), ...outcome });
  };

  try {
    for (const block of blocksOf(checks)) {
      if (!Array.isArray(block)) {
        if (block.applies?.(context) === false) continue;
        await record(block, undefined, () => block.run(context));
        continue;
      }
      // A third-party app: the corp checks (self-built apps' gettoken, trusted IP…) have no corp to run for.
      if (context.suite !== undefined) continue;
      if (context.corps.length === 0) {
        // No valid configuration, so no corps: each corp check is listed once, skipped.
        for (const check of block) {
          verdicts.set(check.id, 'skip');
          results.push({
            id: check.id,
            title: check.title,
            verdict: 'skip',
            summary: `Not run: it needs "${titles.get('configuration') ?? 'configuration'}" to pass.`,
          });
        }
        continue;
      }
      for (const corp of context.corps) {
        for (const check of block) {
          if (check.applies?.(context, corp) === false) continue;
          await record(check, corp, () => check.run(context, corp));
        }
      }
    }
  } finally {
    await context.close();
  }

  const counts: Record<Verdict, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const result of results) counts[result.verdict] += 1;
  return { ok: counts.fail === 0, mode: context.mode, counts, results };
}
