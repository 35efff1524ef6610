/**
 * The peer chart as a standalone SVG, written by hand (no dependency): gettoken calls for the cold burst and
 * logins/s as bar panels, the fault scenarios as a grid of success shares. Our library is drawn in the accent colour.
 */

import type { PeerLibrary } from './login-wrapper.js';
import { percent } from './report.js';
import {
  type BenchSettings,
  type FaultResult,
  faultScenarios,
  type PeerResult,
  roundsLabel,
  type ThroughputResult,
} from './scenarios.js';

export interface ChartContext {
  readonly runAt: Date;
  readonly nodeVersion: string;
  readonly settings: BenchSettings;
  /** The library drawn in the accent colour. */
  readonly ours: PeerLibrary;
  /** The bare undici chain's throughput, quoted under the chart. */
  readonly reference?: ThroughputResult;
}

const width = 1040;
const font = 'font-family="-apple-system, \'Segoe UI\', Helvetica, Arial, sans-serif"';
const colours = {
  ink: '#1f2937',
  muted: '#6b7280',
  rule: '#e5e7eb',
  panel: '#f9fafb',
  ours: '#0f766e',
  peer: '#94a3b8',
};

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

type Attributes = Readonly<Record<string, string | number>>;

function attributes(attrs: Attributes): string {
  return Object.entries(attrs)
    .map(([name, value]) => ` ${name}="${escapeXml(String(value))}"`)
    .join('');
}

function text(x: number, y: number, content: string, attrs: Attributes = {}): string {
  return `<text x="${x}" y="${y}"${attributes({ fill: colours.ink, 'font-size': 13, ...attrs })}>${escapeXml(content)}</text>`;
}

function rect(x: number, y: number, w: number, h: number, attrs: Attributes): string {
  return `<rect x="${x}" y="${y}" width="${Math.max(0, w)}" height="${h}"${attributes(attrs)}/>`;
}

/** Rounds a maximum up to 1, 2 or 5 times a power of ten, so the axis ends on a readable number. */
function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((step) => step * power >= value) ?? 10) * power;
}

function groupedNumber(value: number): string {
  return Math.round(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

interface BarRow {
  readonly label: string;
  readonly ours: boolean;
  readonly value: number;
  readonly valueLabel: string;
  readonly note?: string;
}

interface PanelBox {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

function panelFrame(box: PanelBox, title: string, subtitle: string): string[] {
  return [
    rect(box.x, box.y, box.w, box.h, { fill: colours.panel, stroke: colours.rule, rx: 8 }),
    text(box.x + 16, box.y + 26, title, { 'font-size': 15, 'font-weight': 600 }),
    text(box.x + 16, box.y + 45, subtitle, { fill: colours.muted, 'font-size': 12 }),
  ];
}

/** `valueRoom`: the width kept right of the longest bar for its value and note. */
function barPanel(
  box: PanelBox,
  title: string,
  subtitle: string,
  rows: readonly BarRow[],
  valueRoom = 120,
): string[] {
  const labelWidth = 170;
  const top = box.y + 66;
  const rowHeight = (box.h - 80) / rows.length;
  const barHeight = Math.min(22, rowHeight * 0.56);
  const scaleWidth = box.w - labelWidth - valueRoom - 16;
  const max = niceCeiling(Math.max(...rows.map((row) => row.value)));
  const x0 = box.x + labelWidth;
  const parts = panelFrame(box, title, subtitle);
  parts.push(
    `<line x1="${x0}" y1="${top - 6}" x2="${x0}" y2="${box.y + box.h - 12}" stroke="${colours.rule}"/>`,
  );
  rows.forEach((row, i) => {
    const middle = top + i * rowHeight + rowHeight / 2;
    const length = (row.value / max) * scaleWidth;
    const weight = row.ours ? 700 : 400;
    parts.push(
      text(x0 - 10, middle + 4, row.label, { 'text-anchor': 'end', 'font-weight': weight }),
      rect(x0, middle - barHeight / 2, Math.max(length, 2), barHeight, {
        fill: row.ours ? colours.ours : colours.peer,
        rx: 3,
      }),
      text(x0 + Math.max(length, 2) + 6, middle + 4, row.valueLabel, { 'font-weight': 700 }),
    );
    if (row.note !== undefined) {
      parts.push(
        text(x0 + Math.max(length, 2) + 6, middle + 18, row.note, { fill: colours.muted, 'font-size': 11 }),
      );
    }
  });
  return parts;
}

const hungColour = { fill: '#fdba74', ink: '#1f2937' };

/** Green at 100 %, then through amber to red as logins are lost. */
function shareColour(share: number): { fill: string; ink: string } {
  if (share >= 1) return { fill: '#15803d', ink: '#ffffff' };
  if (share >= 0.97) return { fill: '#86efac', ink: colours.ink };
  if (share >= 0.5) return { fill: '#fcd34d', ink: colours.ink };
  return { fill: '#dc2626', ink: '#ffffff' };
}

function faultGrid(box: PanelBox, results: readonly PeerResult[], context: ChartContext): string[] {
  const { settings } = context;
  const labelWidth = 170;
  const top = box.y + 84;
  const columnWidth = (box.w - labelWidth - 16) / faultScenarios.length;
  const rowHeight = (box.h - 96) / results.length;
  const parts = panelFrame(
    box,
    `Logins that succeeded, of ${settings.logins}, with WeCom misbehaving`,
    `Warm instance, ${settings.loops} logins at a time, each called once: any recovery is the library's own`,
  );
  faultScenarios.forEach((scenario, column) => {
    const centre = box.x + labelWidth + column * columnWidth + columnWidth / 2;
    parts.push(text(centre, top - 12, scenario.title, { 'text-anchor': 'middle', 'font-weight': 600 }));
  });
  results.forEach((result, row) => {
    const y = top + row * rowHeight;
    const ours = result.library === context.ours;
    parts.push(
      text(box.x + labelWidth - 10, y + rowHeight / 2 + 4, result.library.name, {
        'text-anchor': 'end',
        'font-weight': ours ? 700 : 400,
      }),
    );
    faultScenarios.forEach((scenario, column) => {
      const fault: FaultResult = result.faults[scenario.name];
      const share = fault.total === 0 ? 0 : fault.ok / fault.total;
      // A login that only the harness deadline ended would have hung for good in production: flagged amber.
      const { fill, ink } =
        fault.cutOff > 0 && share > 0.5 ? hungColour : shareColour(fault.warmUpFailed ? 0 : share);
      const x = box.x + labelWidth + column * columnWidth;
      const label = fault.warmUpFailed ? 'warm-up failed' : percent(fault.ok, fault.total);
      const centre = x + columnWidth / 2;
      parts.push(rect(x + 3, y + 3, columnWidth - 6, rowHeight - 6, { fill, rx: 5 }));
      const detail = fault.cutOff > 0 ? `${fault.cutOff} hung until cut off` : '';
      parts.push(
        text(centre, y + rowHeight / 2 + (detail ? 0 : 5), label, {
          'text-anchor': 'middle',
          'font-weight': 700,
          'font-size': 15,
          fill: ink,
        }),
      );
      if (detail) {
        parts.push(
          text(centre, y + rowHeight / 2 + 15, detail, {
            'text-anchor': 'middle',
            'font-size': 11,
            fill: ink,
          }),
        );
      }
    });
  });
  return parts;
}

export function renderPeersChart(results: readonly PeerResult[], context: ChartContext): string {
  const { settings } = context;
  const gap = 20;
  const barBox = (column: number): PanelBox => ({
    x: gap + column * ((width - 3 * gap) / 2 + gap),
    y: 86,
    w: (width - 3 * gap) / 2,
    h: 80 + results.length * 46,
  });
  const left = barBox(0);
  const right = barBox(1);
  const grid: PanelBox = {
    x: gap,
    y: left.y + left.h + gap,
    w: width - 2 * gap,
    h: 96 + results.length * 46,
  };
  const { reference } = context;
  const footnotes = [
    `Timeouts: ${settings.timeoutFaultCount} user/get answers held ${settings.faultDelayMs} ms; libraries with a ` +
      `timeout option get ${settings.timeoutMs} ms, every login is cut off at ${settings.deadlineMs} ms. ` +
      'One -1: the first jscode2session answers system busy.',
    'CPU ms/login: CPU time of the benchmark process (client and the in-process sandbox) per login, ' +
      'steadier than logins/s when other work shares the machine.',
    ...(reference
      ? [
          'Reference, the two calls with bare undici (token fetched once, no error handling, retry or cache): ' +
            `${groupedNumber(reference.loginsPerSecond)}/s, CPU ${reference.cpuMsPerLogin.toFixed(2)} ms/login.`,
        ]
      : []),
  ];
  const footerY = grid.y + grid.h + 28;
  const height = footerY + footnotes.length * 18 + 16;
  const when = `${context.runAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

  const chartTitle =
    'gettoken calls for 200 cold logins, logins per second and success under WeCom faults: @wecom-auth/api and four npm WeCom libraries';
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${font}>`,
    // The accessible name of the chart: what a screen reader says instead of the bars.
    `<title>${chartTitle}</title>`,
    rect(0, 0, width, height, { fill: '#ffffff' }),
    text(gap, 36, 'WeCom login flow: @wecom-auth/api and npm WeCom libraries, same sandbox, same work', {
      'font-size': 21,
      'font-weight': 700,
    }),
    text(
      gap,
      62,
      `code → miniprogram/jscode2session → user/get · run ${when} · Node ${context.nodeVersion} · ` +
        `throughput: ${roundsLabel(settings)}`,
      { fill: colours.muted, 'font-size': 13 },
    ),
    ...barPanel(
      left,
      `gettoken calls for ${settings.logins} concurrent cold logins`,
      'One fresh instance, all logins started at once · fewer is better (1 is ideal)',
      results.map((result) => {
        const { failed, cutOff, total } = result.cold;
        const lost = [failed > 0 ? `${failed} failed` : '', cutOff > 0 ? `${cutOff} hung` : '']
          .filter(Boolean)
          .join(', ');
        return {
          label: result.library.name,
          ours: result.library === context.ours,
          value: result.cold.gettoken,
          valueLabel: groupedNumber(result.cold.gettoken),
          ...(lost ? { note: `${lost} of ${total} logins` } : {}),
        };
      }),
    ),
    ...barPanel(
      right,
      `Logins per second, ${settings.loops} concurrent loops`,
      `Warm instance, ${roundsLabel(settings)} · more is better`,
      results.map((result) => ({
        label: result.library.name,
        ours: result.library === context.ours,
        value: result.throughput.loginsPerSecond,
        valueLabel: `${groupedNumber(result.throughput.loginsPerSecond)}/s`,
        note:
          `p50 ${result.throughput.p50Ms.toFixed(0)} ms · p99 ${result.throughput.p99Ms.toFixed(0)} ms · ` +
          `CPU ${result.throughput.cpuMsPerLogin.toFixed(2)} ms/login`,
      })),
      240,
    ),
    ...faultGrid(grid, results, context),
    ...footnotes.map((line, i) =>
      text(gap, footerY + i * 18, line, { fill: colours.muted, 'font-size': 12 }),
    ),
    text(
      gap,
      footerY + footnotes.length * 18,
      `npm run bench:peers -- ${settings.seconds} ${settings.rounds}`,
      {
        fill: colours.muted,
        'font-size': 12,
        'font-family': 'ui-monospace, Menlo, Consolas, monospace',
      },
    ),
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}
