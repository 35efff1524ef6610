/** The zod schema of a third-party app (suite, 第三方应用) as the sandbox's `suites` option describes it. */
import { isIP } from 'node:net';
import { z } from 'zod';
import type { DirectoryFixture } from './directory-schema.js';
import { describeIssues } from './directory-schema.js';
import { SandboxError } from './errors.js';
import { directoryCorpIds } from './provider-directory.js';

const idSchema = z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'must be letters and digits');
const httpUrlSchema = z
  .url()
  .refine((url) => /^https?:\/\//i.test(url), 'must be an http or https URL')
  .refine((url) => url.length <= 2048, 'must be at most 2048 characters');

/** The suite's agent id in every corp that installs it, unless the suite names one. */
export const DEFAULT_SUITE_AGENT_ID = 1_000_100;

/**
 * A suite: its credentials from the provider console (suite_id, secret, the instruction callback's Token and
 * EncodingAESKey), the mini program bound to it, and the corps that have it installed when the sandbox starts.
 */
export const suiteSchema = z.strictObject({
  /** suite_id (`ww`/`wx` + letters and digits; 代开发 templates start with `dk`). */
  suiteId: idSchema,
  suiteSecret: z.string().min(1).max(128),
  /** Token of the instruction callback (指令回调): 1–32 letters or digits. */
  token: z.string().regex(/^[A-Za-z0-9]{1,32}$/, 'must be 1–32 letters or digits'),
  /** EncodingAESKey of the instruction callback: 43 letters or digits. */
  encodingAESKey: z.string().regex(/^[A-Za-z0-9]{43}$/, 'must be 43 letters or digits'),
  /** The mini program bound to the suite; its `wx.qy.login` codes are exchanged with the suite's token. */
  miniProgramAppId: idSchema,
  /** The 指令回调 URL, registered at start (no URL verification): a suite_ticket is pushed at once. */
  instructionCallbackUrl: httpUrlSchema.optional(),
  name: z.string().min(1).max(64).default('第三方应用'),
  /** The provider (服务商) corp: open_userids are the same across the suites of one provider. Default: suiteId. */
  providerCorpId: idSchema.optional(),
  /** The suite's agent id in the installing corps. Default 1000100. */
  agentId: z.number().int().positive().max(2_147_483_647).optional(),
  /** The 2022-06-20 rule for the suite's corp tokens: user/get withholds mobile, email, avatar… Default false. */
  createdAfter20220620: z.boolean().default(false),
  /** The provider's IP allow-list (服务商IP白名单); empty = not checked. */
  trustedIps: z
    .array(z.string().refine((ip) => isIP(ip) !== 0, 'must be an IPv4 or IPv6 address'))
    .default([]),
  /** Corps (of the directory) that have the suite installed at start, with permanent codes and no callbacks. */
  installs: z.array(idSchema).default([]),
});

/**
 * A suite (third-party app) in the sandbox's `suites` option: its console credentials, its mini program and the corps
 * that have it installed at start. See {@link demoSuite}.
 */
export interface SuiteOptions {
  /** suite_id (`ww`/`wx` + letters and digits; 代开发 templates start with `dk`). */
  readonly suiteId: string;
  readonly suiteSecret: string;
  /** Token of the instruction callback (指令回调): 1–32 letters or digits. */
  readonly token: string;
  /** EncodingAESKey of the instruction callback: 43 letters or digits. */
  readonly encodingAESKey: string;
  /** The mini program bound to the suite. */
  readonly miniProgramAppId: string;
  /** The 指令回调 URL, registered at start without URL verification: a suite_ticket is pushed at once. */
  readonly instructionCallbackUrl?: string;
  /** Display name. Default `第三方应用`. */
  readonly name?: string;
  /** The provider (服务商) corp; open_userids are shared by the suites of one provider. Default: the suiteId. */
  readonly providerCorpId?: string;
  /** The suite's agent id in the installing corps. Default 1000100 (+ the suite's index in the option). */
  readonly agentId?: number;
  /** user/get with the suite's corp tokens withholds mobile, email, avatar… (2022-06-20 rule). Default false. */
  readonly createdAfter20220620?: boolean;
  /** The provider's IP allow-list (服务商IP白名单); empty (default) = not checked. */
  readonly trustedIps?: readonly string[];
  /** Corps of the directory that have the suite installed at start: permanent codes exist, no callback is sent. */
  readonly installs?: readonly string[];
}

/** A validated suite, defaults filled in. */
export type SuiteFixture = z.output<typeof suiteSchema> & { providerCorpId: string; agentId: number };

/**
 * Validates the `suites` option against the directory: unique suite ids, installs naming corps of the directory
 * once each. Throws {@link SandboxError} `invalid_fixture` listing every problem with its path.
 */
export function parseSuites(input: unknown, directory: DirectoryFixture): SuiteFixture[] {
  const parsed = z.array(suiteSchema).safeParse(input);
  if (!parsed.success) {
    const lines = describeIssues(parsed.error).map(
      (line) => `suites${line.startsWith('[') ? '' : '.'}${line}`,
    );
    throw invalidSuites(lines);
  }
  const corpIds = new Set(directoryCorpIds(directory));
  const problems: string[] = [];
  const suiteIds = new Set<string>();
  parsed.data.forEach((suite, s) => {
    if (suiteIds.has(suite.suiteId))
      problems.push(`suites[${s}].suiteId: duplicate suiteId ${suite.suiteId}`);
    suiteIds.add(suite.suiteId);
    const installed = new Set<string>();
    suite.installs.forEach((corpId, i) => {
      if (!corpIds.has(corpId)) problems.push(`suites[${s}].installs[${i}]: unknown corp ${corpId}`);
      else if (installed.has(corpId)) problems.push(`suites[${s}].installs[${i}]: duplicate corp ${corpId}`);
      installed.add(corpId);
    });
  });
  if (problems.length > 0) throw invalidSuites(problems);
  return parsed.data.map((suite, index) => ({
    ...suite,
    providerCorpId: suite.providerCorpId ?? suite.suiteId,
    agentId: suite.agentId ?? DEFAULT_SUITE_AGENT_ID + index,
  }));
}

function invalidSuites(lines: string[]): SandboxError {
  const shown = lines.slice(0, 50);
  const more = lines.length > shown.length ? `\n  … and ${lines.length - shown.length} more` : '';
  return new SandboxError(
    'invalid_fixture',
    `the suites option is not valid (${lines.length} problem${lines.length === 1 ? '' : 's'}):\n  ${shown.join('\n  ')}${more}`,
  );
}
