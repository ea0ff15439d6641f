/**
 * The machine server's user name and password check, in constant time. A plain `===` returns at
 * the first differing character, so the time a refusal takes tells an attacker on the network how
 * much of a guess was right; comparing SHA-256 digests with `timingSafeEqual` takes the same time
 * whatever the guess (digests have a fixed length, so the length of the secret does not leak
 * either, and `timingSafeEqual` never throws on unequal lengths). Every configured user is
 * compared, not only up to the first match, so the time does not say which user matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Whether two secrets are equal, in a time that depends on neither. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** The `isValidUser` of a server with these users: true when one user has both this name and this password. */
export function userCheck(users: ReadonlyArray<{ username: string; password: string }>): (username: string, password: string) => boolean {
  const known = users.map((u) => ({ username: digest(u.username), password: digest(u.password) }));
  return (username, password) => {
    const name = digest(username);
    const pass = digest(password);
    let ok = 0;
    // Bitwise & and |, not && and ||: no short-circuit, every user costs the same two comparisons.
    for (const u of known) ok |= Number(timingSafeEqual(u.username, name)) & Number(timingSafeEqual(u.password, pass));
    return ok === 1;
  };
}
