/** Bearer-token check of the admin API, constant-time whatever the length of the guess. */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Returns a checker for `Authorization` header values; comparing digests hides the token length. */
export function bearerChecker(token: string): (header: string | undefined) => boolean {
  const expected = digest(token);
  return (header) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    // Always compare, so a missing header costs the same as a wrong one.
    const ok = timingSafeEqual(digest(match?.[1] ?? ''), expected);
    return ok && match !== null;
  };
}
