/**
 * Waits until `gone()` is true: documents past a TTL index's expiry are deleted by the database
 * within its monitor's interval (5 s on the embedded database, 60 s on MongoDB 7).
 */
export async function untilExpired(gone: () => Promise<boolean>, timeoutMs = 75_000): Promise<boolean> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    if (await gone()) return true;
    if (Date.now() > giveUpAt) return false;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Jest timeout for a test that waits for a TTL expiry. */
export const TTL_TEST_TIMEOUT_MS = 90_000;
