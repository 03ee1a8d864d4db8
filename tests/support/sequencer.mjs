// Runs the slow kinds of test files first (browser, then real processes and faults), then the
// rest, so that with two workers no long file starts last and keeps one worker busy alone at the
// end. Within a kind, Jest's own order (the last run's durations when it has them, else size).
import Sequencer from '@jest/test-sequencer';

const RANK = [/\/tests\/e2e\//, /\/tests\/faults\//, /\/tests\/integration\/(process|seeds|users)\.test\.ts$/];
const rank = (path) => {
  const found = RANK.findIndex((pattern) => pattern.test(path));
  return found === -1 ? RANK.length : found;
};

class SlowFirst extends Sequencer {
  sort(tests) {
    const ordered = super.sort(tests);
    const sorted = Array.isArray(ordered) ? ordered : [...ordered];
    return sorted
      .map((test, index) => ({ test, index }))
      .sort((a, b) => rank(a.test.path) - rank(b.test.path) || a.index - b.index)
      .map(({ test }) => test);
  }
}

export default SlowFirst;
