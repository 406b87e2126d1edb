// Adds up the vitest JSON reports of every package and prints "N passed, N failed".
// Exits 1 when a package produced no report or any test failed. Besides each package's
// test-results/vitest.json, the loaded pass of .ci/run (the unit-test packages re-run with both
// CPUs busy) leaves test-results/vitest-loaded.json: counted too, and listed as "(loaded)".
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
let passed = 0;
let failed = 0;
let missing = 0;
for (const pkg of readdirSync(join(root, 'packages'))) {
  if (!existsSync(join(root, 'packages', pkg, 'package.json'))) continue;
  const report = join(root, 'packages', pkg, 'test-results', 'vitest.json');
  if (!existsSync(report)) {
    console.error(`no test report for packages/${pkg}`);
    missing++;
    continue;
  }
  count(`packages/${pkg}`, report);
  const loaded = join(root, 'packages', pkg, 'test-results', 'vitest-loaded.json');
  if (existsSync(loaded)) count(`packages/${pkg} (loaded)`, loaded);
}

function count(label, report) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed += json.numPassedTests;
  // A file that fails to load has no failed tests but a failed suite: count it once.
  const failures = json.numFailedTests || (json.numFailedTestSuites ?? 0);
  failed += failures;
  console.log(`${label}: ${json.numPassedTests} passed, ${failures} failed`);
}
console.log(`${passed} passed, ${failed + missing} failed`);
process.exit(failed + missing > 0 || passed === 0 ? 1 : 0);
