#!/usr/bin/env bash
# Runs every check: setup (fresh machine ok), migration of a dedicated test database, typecheck, all tests.
# Ends with one line "N passed, N failed" (the typecheck counts as one check).
set -uo pipefail
source "$(dirname "$0")/setup.sh"
setup_all
set +e

export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgresql://root@127.0.0.1:5432/dgm_ood_test}"
say "migrating the test database"
DATABASE_URL="$TEST_DATABASE_URL" pnpm --silent db:migrate || { echo "0 passed, 1 failed"; exit 1; }

typecheck_failed=0
say "typecheck"
pnpm --silent typecheck || typecheck_failed=1

mkdir -p test-results
rm -f test-results/vitest.json
say "tests"
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@"
vitest_status=$?

node -e '
const fs = require("fs");
let passed = 0, failed = 0;
try {
  const r = JSON.parse(fs.readFileSync("test-results/vitest.json", "utf8"));
  passed = r.numPassedTests; failed = r.numFailedTests + (r.numTotalTests === 0 ? 1 : 0);
  // A file that fails to load counts as a failure even though it reported no test.
  failed += r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
} catch { failed += 1; }
const tc = Number(process.argv[1]);
passed += tc ? 0 : 1; failed += tc;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
' "$typecheck_failed"
summary_status=$?
[ "$vitest_status" -eq 0 ] && [ "$summary_status" -eq 0 ]
