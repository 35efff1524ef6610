import { readFileSync } from 'node:fs';
import { defaultDoctorChecks } from '@wecom-auth/gateway';
import { describe, expect, it } from 'vitest';
import { renderErrorDocs } from '../scripts/error-docs.js';
import { withFaultMatrix } from '../scripts/fault-matrix-docs.js';

describe('generated documentation', () => {
  it('docs/errors.md is the one generated from the code (npm run docs:errors)', () => {
    expect(readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8')).toBe(renderErrorDocs());
  });

  it('docs/doctor.md describes every check of wecom-auth doctor under its id (the anchor docs/errors.md links)', () => {
    const document = readFileSync(new URL('../docs/doctor.md', import.meta.url), 'utf8');
    const headings = [...document.matchAll(/^### (\S+)$/gm)].map((match) => match[1]);
    expect(headings).toEqual(defaultDoctorChecks().checks.map((check) => check.id));
  });

  it('docs/reliability.md carries the fault matrices the reliability suite runs (npm run docs:faults)', () => {
    const document = readFileSync(new URL('../docs/reliability.md', import.meta.url), 'utf8');
    expect(document).toBe(withFaultMatrix(document));
  });
});
