// The one generator of valid resident identity numbers for tests (the api's, the client's, the
// elements'), exported by `@fivecolor/api/testing`. The server's seeding keeps its own in
// apps/server/src/synthetic-ids.ts (production code, not a test helper). Core's `residentCheck`
// (packages/core/src/testing/ids.ts) is the same table, but core publishes no testing entry.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** A valid 18-character resident identity number (GB 11643 check digit) for test number `n`. */
export function residentId(n: number, area = '330212', birth = '19800101'): string {
  const body = `${area}${birth}${String(n % 1000).padStart(3, '0')}`;
  const sum = [...body].reduce((s, ch, i) => s + Number(ch) * (WEIGHTS[i] ?? 0), 0);
  return body + ('10X98765432'[sum % 11] as string);
}

/** Distinct valid resident identity numbers: varies the birth date so more than 1000 fit. */
export function residentIds(count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => {
    const k = i + offset;
    const day = String(1 + (Math.floor(k / 1000) % 28)).padStart(2, '0');
    const month = String(1 + (Math.floor(k / 28_000) % 12)).padStart(2, '0');
    return residentId(k, '330212', `1980${month}${day}`);
  });
}
