/**
 * The checklist in words (`wecom-auth doctor`) and as JSON (`--json`, for scripts). Both carry the same report; the
 * text groups each corp's lines under the corp and wraps long sentences, for a terminal.
 */
import type { CheckResult, Verdict } from './doctor-check.js';
import type { DoctorReport } from './run-doctor.js';

const width = 100;
const labels: Record<Verdict, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };
const indent = ' '.repeat(8);

/** `text` cut into lines of at most {@link width} characters, the first after `first`, the rest after `rest`. */
function wrap(text: string, first: string, rest: string = indent): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(' ')) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else {
      line += empty ? word : ` ${word}`;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

function renderResult(result: CheckResult): string[] {
  const lines = [`  ${labels[result.verdict]}  ${result.title}`, ...wrap(result.summary, indent)];
  for (const detail of result.details ?? []) lines.push(...wrap(detail, `${indent}· `, `${indent}  `));
  if (result.wecom !== undefined) {
    lines.push(...wrap(`WeCom said: errcode ${result.wecom.errcode}, "${result.wecom.errmsg}"`, indent));
  }
  const fix = result.fix;
  if (fix !== undefined) {
    lines.push(...wrap(fix.text, `${indent}Fix: `, `${indent}     `));
    if (fix.settings !== undefined && fix.settings.length > 0) {
      lines.push(...wrap(fix.settings.join(', '), `${indent}Settings: `, `${indent}          `));
    }
    if (fix.console !== undefined) {
      const provider = fix.console.site === 'provider';
      const en = `${indent}${provider ? 'Provider console' : 'Admin console'}: `;
      const zh = `${indent}${provider ? '服务商管理后台' : '管理后台'}: `;
      lines.push(...wrap(fix.console.en, en, ' '.repeat(en.length)));
      lines.push(...wrap(fix.console.zh, zh, indent));
    }
  }
  return lines;
}

/**
 * The checklist for a terminal.
 *
 * @example
 * process.stdout.write(renderDoctorText(await runDoctor({ env: process.env }, defaultDoctorChecks())));
 */
export function renderDoctorText(report: DoctorReport): string {
  const mode = report.mode === undefined ? '' : report.mode === 'sandbox' ? ' (sandbox mode)' : '';
  const lines = [`WeCom Auth doctor${mode}`];
  let section: string | undefined = '';
  for (const result of report.results) {
    const next = result.corpId === undefined ? 'Setup' : `Corp ${result.corpId}`;
    if (next !== section) {
      lines.push('', next);
      section = next;
    }
    lines.push(...renderResult(result));
  }
  const { pass, warn, fail, skip } = report.counts;
  const parts = [
    `${fail} failed`,
    `${warn} warning${warn === 1 ? '' : 's'}`,
    `${pass} passed`,
    `${skip} skipped`,
  ];
  lines.push('', `${report.ok ? 'OK' : 'NOT OK'}: ${parts.join(', ')}.`);
  return `${lines.join('\n')}\n`;
}

/**
 * The checklist as JSON: `{ ok, mode, counts, results: [{ id, title, corpId?, verdict, summary, details?, wecom?,
 * fix? }] }`, for scripts.
 *
 * @example
 * const { ok, results } = JSON.parse(renderDoctorJson(report));
 */
export function renderDoctorJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
