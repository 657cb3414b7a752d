import { describe, expect, it } from 'vitest';
import { failureText } from '../../src/report/study-text.js';

describe('failed variants in reports', () => {
  it('show an engine that cannot run here as skipped, with its reason once', () => {
    const unavailable = { kind: 'unavailable', reason: 'skipped: trtexec cannot run here: no GPU' };
    expect(failureText(unavailable)).toBe('skipped: trtexec cannot run here: no GPU');
    expect(failureText(unavailable, false)).toBe('skipped');
  });
  it('show real failures as failed, with their kind', () => {
    const crash = { kind: 'crash', reason: 'worker exited with signal SIGSEGV' };
    expect(failureText(crash)).toBe('failed (crash): worker exited with signal SIGSEGV');
    expect(failureText(crash, false)).toBe('failed (crash)');
  });
});
