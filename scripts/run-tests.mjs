#!/usr/bin/env node
// Runs vitest (unit + integration projects) and prints one closing line with the totals:
// "N passed, N failed, N skipped". `--summary` only re-prints the line of the last run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';

const RESULTS = '.test-results/vitest.json';
const args = process.argv.slice(2);

function summary() {
  if (!existsSync(RESULTS)) {
    console.log('0 passed, 1 failed');
    return 1;
  }
  const r = JSON.parse(readFileSync(RESULTS, 'utf8'));
  // A file that failed to load counts as a failure even though it ran no test.
  const brokenFiles = (r.testResults ?? []).filter(
    (f) => f.status === 'failed' && f.assertionResults?.length === 0,
  ).length;
  const failed = r.numFailedTests + brokenFiles;
  console.log(
    `${r.numPassedTests} passed, ${failed} failed, ${r.numPendingTests + (r.numTodoTests ?? 0)} skipped`,
  );
  return failed > 0 || r.numPassedTests === 0 ? 1 : 0;
}

if (args[0] === '--summary') process.exit(summary());
const quiet = args[0] === '--no-summary';
if (quiet) args.shift();

mkdirSync('.test-results', { recursive: true });
const run = spawnSync(
  'pnpm',
  ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${RESULTS}`, ...args],
  { stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0' } },
);
if (quiet) process.exit(run.status ?? 1);
const code = summary();
process.exit(run.status === 0 ? code : (run.status ?? 1));
