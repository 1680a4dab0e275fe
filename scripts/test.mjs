// `npm test`: type-check (the whole tree, and the core without the DOM library), lint (ESLint with
// the layer rules, Prettier), unit tests (vitest) and end-to-end tests (Playwright), each run even
// when an earlier one fails so every failure shows at once. Exits non-zero when any of them failed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';

const suites = [
  ['typecheck', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['typecheck-core', ['tsc', '-p', 'tsconfig.core.json', '--noEmit']],
  ['lint', ['eslint', '.']],
  ['format', ['prettier', '--check', '.']],
  ['unit', ['vitest', 'run']],
  ['e2e', ['playwright', 'test']],
];

mkdirSync('reports', { recursive: true });
let failures = 0;
for (const [name, [bin, ...args]] of suites) {
  console.log(`\n── ${name} ──`);
  const { status } = spawnSync('npx', ['--no-install', bin, ...args], { stdio: 'inherit' });
  if (name !== 'unit' && name !== 'e2e') {
    // Each check counts as one test so the CI total shows a type, lint or format error.
    writeFileSync(
      `reports/${name}.json`,
      JSON.stringify({ numPassedTests: status === 0 ? 1 : 0, numFailedTests: status === 0 ? 0 : 1, numPendingTests: 0 }),
    );
  }
  if (status !== 0) {
    console.log(`${name} failed (exit ${status})`);
    failures += 1;
  }
}
process.exit(failures ? 1 : 0);
