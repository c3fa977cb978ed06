/**
 * Comparing two tree heads of the same log, as a witness or an auditor does.
 */
import { LogError } from './log-error.js';
import { equalBytes, encodeBase64 } from './encoding.js';
import { verifyConsistency, type Sha256, type TreeHasher } from './merkle.js';
import type { Checkpoint } from './note.js';

/**
 * Throws `inconsistent_heads` unless `proof` shows that the larger of the two heads extends the
 * smaller one (RFC 9162 consistency proof from the smaller size to the larger). Two heads of the
 * same size must have the same root, with an empty proof. Heads of different logs (origins) are
 * an `invalid_argument`.
 */
export function checkHeadsConsistent(
  seen: Checkpoint,
  other: Checkpoint,
  proof: readonly Uint8Array[],
  hasher: TreeHasher | Sha256,
): void {
  if (seen.origin !== other.origin) {
    throw new LogError('invalid_argument', `heads of different logs: "${seen.origin}" and "${other.origin}"`);
  }
  if (seen.size === other.size) {
    if (!equalBytes(seen.rootHash, other.rootHash)) {
      throw new LogError(
        'inconsistent_heads',
        `two different roots for size ${seen.size}: ${encodeBase64(seen.rootHash)} and ${encodeBase64(other.rootHash)}`,
      );
    }
    if (proof.length !== 0) throw new LogError('inconsistent_heads', `non-empty consistency proof between equal heads of size ${seen.size}`);
    return;
  }
  const [small, large] = seen.size < other.size ? [seen, other] : [other, seen];
  try {
    verifyConsistency(small.size, large.size, proof, small.rootHash, large.rootHash, hasher);
  } catch (e) {
    if (e instanceof LogError) {
      throw new LogError('inconsistent_heads', `head of size ${large.size} is not shown to extend head of size ${small.size}: ${e.message}`);
    }
    throw e;
  }
}
