/**
 * The simulated machine's password check (issue 15: password comparison in constant time): right
 * answers, and the comparison goes through `timingSafeEqual` over fixed-length digests for every
 * user, whatever the guess, its length or which user it matches.
 */
import * as crypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});

const { sameSecret, userCheck } = await import('../../../ingest/simulator/opcua/user-check.ts');
const timingSafeEqual = vi.mocked(crypto.timingSafeEqual);

const USERS = [
  { username: 'operator', password: 'correct horse battery staple' },
  { username: 'maintenance', password: 'pa55-wörd' },
];

describe('constant-time user check', () => {
  afterEach(() => timingSafeEqual.mockClear());

  it('accepts exactly a configured name with its own password', () => {
    const check = userCheck(USERS);
    expect(check('operator', 'correct horse battery staple')).toBe(true);
    expect(check('maintenance', 'pa55-wörd')).toBe(true);
    expect(check('operator', 'pa55-wörd')).toBe(false); // another user's password
    expect(check('operator', 'correct horse battery stapl')).toBe(false); // a prefix
    expect(check('operator', 'correct horse battery staple ')).toBe(false);
    expect(check('Operator', 'correct horse battery staple')).toBe(false);
    expect(check('', '')).toBe(false);
    expect(userCheck([])('operator', 'x')).toBe(false);
  });

  it('compares fixed-length digests with timingSafeEqual, two comparisons per user, for any guess', () => {
    const check = userCheck(USERS);
    for (const [name, password] of [
      ['operator', 'correct horse battery staple'], // the first user matches: the second is still compared
      ['nobody', 'x'],
      ['maintenance', 'a'.repeat(10_000)],
    ]) {
      timingSafeEqual.mockClear();
      check(name, password);
      expect(timingSafeEqual).toHaveBeenCalledTimes(2 * USERS.length);
      for (const [a, b] of timingSafeEqual.mock.calls) {
        expect((a as Buffer).length).toBe(32);
        expect((b as Buffer).length).toBe(32);
      }
    }
  });

  it('sameSecret: equal strings only, never throwing on different lengths', () => {
    expect(sameSecret('s3cret', 's3cret')).toBe(true);
    expect(sameSecret('s3cret', 's3cre')).toBe(false);
    expect(sameSecret('', 'x'.repeat(1000))).toBe(false);
    expect(timingSafeEqual).toHaveBeenCalled();
  });
});
