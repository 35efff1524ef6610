/**
 * Regenerates the fault matrix in docs/reliability.md from the reliability suite's table: `npm run docs:faults`.
 * A test fails when the document and the table disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { withFaultMatrix } from './fault-matrix-docs.js';

const file = new URL('../docs/reliability.md', import.meta.url);
writeFileSync(file, withFaultMatrix(readFileSync(file, 'utf8')));
