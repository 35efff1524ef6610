/**
 * `wecom-auth doctor` as the command runs it: the process's environment and `--config`, a prompt on the terminal for
 * the login step's code, what a person must do on stderr, the checklist (text or JSON) on stdout.
 */
import { createInterface } from 'node:readline';
import { defaultDoctorChecks } from './default-checks.js';
import { renderDoctorJson, renderDoctorText } from './render-doctor.js';
import { runDoctor } from './run-doctor.js';

/** The options of the `doctor` command. */
export interface DoctorCliOptions {
  readonly config?: string;
  readonly json?: boolean;
  readonly publicUrl?: string;
  readonly login?: boolean;
  readonly code?: string;
}

/** One line from stdin after `prompt` (on stderr); undefined at the end of the input. */
function askOnTerminal(prompt: string): Promise<string | undefined> {
  const lines = createInterface({
    input: process.stdin,
    output: process.stderr,
    terminal: process.stdin.isTTY,
  });
  return new Promise((resolve) => {
    let answered = false;
    lines.question(prompt, (answer) => {
      answered = true;
      lines.close();
      resolve(answer);
    });
    lines.once('close', () => {
      if (!answered) resolve(undefined);
    });
  });
}

/**
 * Runs the checks, prints the checklist and resolves with the exit code: 1 when a check failed, else 0.
 *
 * @example
 * process.exitCode = await runDoctorFromCli({ json: true });
 */
export async function runDoctorFromCli(options: DoctorCliOptions): Promise<number> {
  const report = await runDoctor(
    {
      env: process.env,
      ...(options.config === undefined ? {} : { configFile: options.config }),
      ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
      ...(options.login === true ? { login: true } : {}),
      ...(options.code === undefined ? {} : { code: options.code }),
      askForCode: askOnTerminal,
      say: (line) => process.stderr.write(`${line}\n`),
    },
    defaultDoctorChecks(),
  );
  process.stdout.write(options.json === true ? renderDoctorJson(report) : renderDoctorText(report));
  return report.ok ? 0 : 1;
}
