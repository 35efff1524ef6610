/**
 * docs/reliability.md carries the fault matrix between two markers; this puts the rendering of the table the
 * reliability suite runs there.
 */
import { renderFaultMatrixMarkdown } from '../test/reliability/support/fault-matrix-table.js';

const start = '<!-- fault-matrix:start -->';
const end = '<!-- fault-matrix:end -->';

export function withFaultMatrix(document: string): string {
  const from = document.indexOf(start);
  const to = document.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/reliability.md must contain ${start} … ${end}`);
  return `${document.slice(0, from + start.length)}\n${renderFaultMatrixMarkdown()}\n${document.slice(to)}`;
}
