/**
 * Gives the reliability suite one evidence directory for the run (see evidence.ts) and removes it afterwards.
 * WECOM_AUTH_KEEP_EVIDENCE=1 keeps it, for reading what the gateways wrote.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'wecom-auth-evidence-'));
  project.provide('evidenceDir', dir);
  return () => {
    if (process.env.WECOM_AUTH_KEEP_EVIDENCE === '1') console.warn(`reliability evidence kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };
}
