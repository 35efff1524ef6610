import { afterEach, describe, expect, it, vi } from 'vitest';
import { serviceAvailable } from '../src/service-guard.js';

describe('serviceAvailable', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('runs the suite when nothing is wrong, locally and on CI', () => {
    expect(serviceAvailable('the tests', undefined, '')).toBe(true);
    expect(serviceAvailable('the tests', undefined, 'true')).toBe(true);
  });

  it('skips with a warning naming the suite and the problem outside CI', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(serviceAvailable('the nginx tests', 'nginx is not installed', '')).toBe(false);
    expect(warn).toHaveBeenCalledWith('Skipping the nginx tests: nginx is not installed');
  });

  it('fails on CI, where every service is installed', () => {
    expect(() => serviceAvailable('the nginx tests', 'nginx is not installed', 'true')).toThrow(
      /nginx is not installed; CI requires it for the nginx tests/,
    );
  });
});
