// A vitest reporter for scripts/bench-test-start.mjs: prints, in epoch milliseconds, when vitest
// began, when the run started (after the global setup) and when the first test case began.
export default class FirstTestReporter {
  onInit() {
    console.log(`bench-mark init ${Date.now()}`);
  }

  onTestRunStart() {
    console.log(`bench-mark run-start ${Date.now()}`);
  }

  onTestModuleStart() {
    if (this.moduleSeen) return;
    this.moduleSeen = true;
    console.log(`bench-mark module-start ${Date.now()}`);
  }

  onTestCaseReady() {
    if (this.caseSeen) return;
    this.caseSeen = true;
    console.log(`bench-mark first-test ${Date.now()}`);
  }
}
