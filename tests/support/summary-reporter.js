// Prints one plain closing line, `N passed, N failed`, summed over every project; CI reads it.
// Before it, one `FAILED` line per failed test or test file that could not run, so that the last
// lines of a long log (all a CI summary may show) say what failed. It is written when the process
// exits, so that it comes after Jest's own summary.
const COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** The first line that says something of why a file failed to run (a hook's error has no message). */
function reason(file) {
  const text = [file.testExecError?.message, file.testExecError?.stack, file.failureMessage].join('\n');
  const line = text
    .replace(COLOUR, '')
    .split('\n')
    .map((part) => part.trim())
    .find((part) => part && !part.startsWith('●'));
  return (line ?? '').slice(0, 200);
}

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failures = [];
    for (const file of results.testResults) {
      const where = file.testFilePath.replace(`${process.cwd()}/`, '');
      if (file.testExecError || (file.failureMessage && file.numFailingTests === 0)) {
        failures.push(`FAILED ${where}: the file failed to run: ${reason(file)}`);
      }
      for (const test of file.testResults) {
        if (test.status === 'failed') failures.push(`FAILED ${where} › ${test.fullName}`);
      }
    }
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const lines = [...failures, `${results.numPassedTests} passed, ${failed} failed`];
    process.once('exit', () => process.stdout.write(`\n${lines.join('\n')}\n`));
  }
}
module.exports = SummaryReporter;
