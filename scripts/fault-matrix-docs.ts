/**
 * docs/reliability.md carries the fault matrices between markers: the self-built app's and the third-party app's;
 * this puts the rendering of the tables the reliability suite runs there.
 */
import { renderFaultMatrixMarkdown } from '../test/reliability/support/fault-matrix-table.js';
import { renderSuiteFaultMatrixMarkdown } from '../test/reliability/support/suite-fault-matrix-table.js';

const regions: readonly { readonly name: string; readonly render: () => string }[] = [
  { name: 'fault-matrix', render: renderFaultMatrixMarkdown },
  { name: 'suite-fault-matrix', render: renderSuiteFaultMatrixMarkdown },
];

export function withFaultMatrix(document: string): string {
  let result = document;
  for (const { name, render } of regions) {
    const start = `<!-- ${name}:start -->`;
    const end = `<!-- ${name}:end -->`;
    const from = result.indexOf(start);
    const to = result.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs/reliability.md must contain ${start} … ${end}`);
    result = `${result.slice(0, from + start.length)}\n${render()}\n${result.slice(to)}`;
  }
  return result;
}
