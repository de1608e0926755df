/**
 * Jest's default order (earlier failures first, then the slowest, then the largest files), except that the suites
 * listed in RUN_LAST run after every other suite, in this order. They power test hosts off and on; with
 * `--runInBand` (npm run test:integration) each runs alone.
 */
const Sequencer = require("@jest/test-sequencer").default;
const path = require("node:path");

const RUN_LAST = ["kubernetesUpgrade.test.ts", "kubernetesReplace.test.ts", "kubernetesInterrupted.test.ts"];

class RunLastSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const rank = (test) => RUN_LAST.indexOf(path.basename(test.path));
    return [...sorted.filter((t) => rank(t) < 0), ...sorted.filter((t) => rank(t) >= 0).sort((a, b) => rank(a) - rank(b))];
  }
}

module.exports = RunLastSequencer;
