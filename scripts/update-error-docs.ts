/**
 * Regenerates docs/errors.md from the gateway's error catalogue and the API client's errcode table:
 * `npm run docs:errors`. A test fails when the document and the code disagree.
 */
import { writeFileSync } from 'node:fs';
import { renderErrorDocs } from './error-docs.js';

writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorDocs());
