/** `wecom-auth-sandbox` as npm links it: the committed launcher in bin/, before and after a build. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const linkedBin = fileURLToPath(new URL('../../../node_modules/.bin/wecom-auth-sandbox', import.meta.url));

describe('the linked wecom-auth-sandbox command', () => {
  it('prints its help', () => {
    const result = spawnSync(linkedBin, ['--help'], { encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: wecom-auth-sandbox [options]');
    expect(result.stdout).toContain('--errmsg-style');
  });
});
