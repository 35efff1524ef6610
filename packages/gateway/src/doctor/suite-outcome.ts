/**
 * What the third-party app's checks share: where WeCom pushes the suite_ticket and how to get one there, how to get
 * the app installed, an age in words, and the outcome of a store that cannot be read.
 */
import { consolePaths } from './console-paths.js';
import type { CheckOutcome, Fix } from './doctor-check.js';
import type { DoctorContext } from './doctor-context.js';
import type { DoctorSuite } from './doctor-suite.js';

/** The instruction callback URL: under `--public-url` when given, else a placeholder for the gateway's address. */
export function instructionCallbackUrl(context: DoctorContext): string {
  return `${(context.input.publicUrl ?? 'https://<gateway>').replace(/\/+$/, '')}/v1/suite/callback`;
}

/**
 * How a suite_ticket gets into the store: WeCom's push to the instruction callback, or in sandbox mode the sandbox's.
 */
export function ticketFix(context: DoctorContext, suite: DoctorSuite): Fix {
  if (context.upstream.mode === 'sandbox') {
    return {
      text:
        'Start the gateway as the demo third-party app (SANDBOX_APP=suite wecom-auth serve, or SANDBOX_APP=suite npm start): ' +
        "its sandbox verifies the instruction callback URL and pushes a ticket at once, then every 10 minutes of its clock; the phone simulator's suite panel shows the ticket's age.",
    };
  }
  return {
    text:
      `WeCom pushes a suite_ticket every 10 minutes to the instruction callback URL, which must be ${instructionCallbackUrl(context)} ` +
      `with the Token and EncodingAESKey of ${suite.names.callback}: check it in the provider console, and that the gateway answers ` +
      "there (wecom-auth doctor --public-url https://<gateway>). The console's 刷新ticket (Refresh ticket) button pushes one now; a ticket lives 30 minutes.",
    settings: ['WECOM_SUITE_TOKEN', 'WECOM_SUITE_AES_KEY'],
    console: consolePaths.suiteInstructionCallback,
  };
}

/** How a corp installs the app: a test install or the install link, then WeCom's create_auth to the gateway. */
export function installFix(context: DoctorContext): Fix {
  if (context.upstream.mode === 'sandbox') {
    return {
      text: "Start the gateway as the demo third-party app (SANDBOX_APP=suite wecom-auth serve): the demo company and its subsidiary install it at start, and the phone simulator's suite panel installs and uninstalls each company.",
    };
  }
  return {
    text:
      'Install the app in a corp: a test install from the provider console, or an administrator of the corp opens the install link ' +
      '(the app marketplace, or a link made with get_pre_auth_code). WeCom then sends create_auth to the instruction callback and the ' +
      "gateway stores the corp's permanent code; the installing user must be in the app's visible range to log in.",
    console: consolePaths.suiteTestInstall,
  };
}

/**
 * A duration in words, at the grain a ticket's age matters: "less than a minute", "12 minutes", "3 hours", "2 days".
 */
export function describeAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'less than a minute';
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} hours`;
  return `${Math.floor(hours / 24)} days`;
}

/** The outcome of a check whose data is in a store that did not answer: the `store` check says why. */
export function storeUnreadable(what: string, error: unknown): CheckOutcome {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    verdict: 'skip',
    summary: `Not run: ${what} could not be read from the store (${reason}); see "Store".`,
  };
}
