import { DEMO_CORP_ID, SUBSIDIARY_CORP_ID } from './demo-directory.js';
import type { SuiteOptions } from './suite-schema.js';

/**
 * The bundled demo suite (third-party app, 第三方应用) of the provider `wwprovider000001`: suite_id
 * `wwsuitedemo00001`, secret `demo-suite-secret-change-me`, instruction-callback Token `demoSuiteToken` and
 * EncodingAESKey `demoSuiteEncodingAESKey0123456789abcdefghij`, bound to its own mini program `wxdemosuite00001`
 * (agent 1000100 in the corps that install it). Installed at start in the demo corp (`wwdemo0000000001`) and its
 * subsidiary (`wwsub00000000003`); the partner corp `wwother000000002` has not installed it. Start the sandbox with
 * it through `suites: [demoSuite]` (CLI: `--demo-suite`).
 *
 * @example
 * ```ts
 * const sandbox = await createSandbox({ suites: [demoSuite] });
 * const { ticket } = await sandbox.control.suites.pushTicket(demoSuite.suiteId);
 * ```
 */
export const demoSuite = {
  suiteId: 'wwsuitedemo00001',
  suiteSecret: 'demo-suite-secret-change-me',
  token: 'demoSuiteToken',
  encodingAESKey: 'demoSuiteEncodingAESKey0123456789abcdefghij',
  miniProgramAppId: 'wxdemosuite00001',
  name: '演示第三方应用',
  providerCorpId: 'wwprovider000001',
  agentId: 1_000_100,
  installs: [DEMO_CORP_ID, SUBSIDIARY_CORP_ID],
} as const satisfies SuiteOptions;
