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
rm -f test-results/vitest.json test-results/vitest-browser.json
say "tests"
started=$SECONDS
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@"
vitest_status=$?
say "unit and service tests: $((SECONDS - started)) s"

# The browser suite (Debian Chromium via playwright-core) has its own time budget and printed time.
BROWSER_BUDGET_S="${BROWSER_BUDGET_S:-600}"
say "browser tests (budget ${BROWSER_BUDGET_S} s; screenshots in test-results/screenshots/)"
started=$SECONDS
timeout "$BROWSER_BUDGET_S" pnpm exec vitest run -c vitest.browser.config.ts --passWithNoTests \
  --reporter=default --reporter=json --outputFile.json=test-results/vitest-browser.json "$@"
browser_status=$?
say "browser tests: $((SECONDS - started)) s of ${BROWSER_BUDGET_S} s$([ "$browser_status" -eq 124 ] && echo ' (over budget: stopped)')"

# The chaos suite (coordinator and worker processes against a PostgreSQL and a Redis each test starts on free
# loopback ports; workers, Redis, PostgreSQL and the coordinator killed or restarted mid-work) has its own budget.
# Each fault reports jobs and rows expected vs found in test-results/chaos.json, printed below as a table.
CHAOS_BUDGET_S="${CHAOS_BUDGET_S:-600}"
say "chaos tests (budget ${CHAOS_BUDGET_S} s)"
rm -f test-results/vitest-chaos.json test-results/chaos.json
started=$SECONDS
timeout -k 20 "$CHAOS_BUDGET_S" pnpm exec vitest run -c vitest.chaos.config.ts --passWithNoTests \
  --reporter=default --reporter=json --outputFile.json=test-results/vitest-chaos.json "$@"
chaos_status=$?
say "chaos tests: $((SECONDS - started)) s of ${CHAOS_BUDGET_S} s$([ "$chaos_status" -eq 124 ] && echo ' (over budget: stopped)')"
node -e '
const fs = require("fs");
let faults = [];
try { faults = JSON.parse(fs.readFileSync("test-results/chaos.json", "utf8")); } catch {}
if (faults.length === 0) { console.log("chaos faults: none reported"); process.exit(0); }
const counts = (c) => Object.entries(c).map(([k, v]) => `${k} ${v.found}/${v.expected}`).join(", ");
const rows = faults.map((f) => [
  f.ok ? "ok" : "FAIL", f.fault,
  counts(Object.fromEntries([...new Set([...Object.keys(f.jobs.expected), ...Object.keys(f.jobs.found)])].sort().map((s) => [s, { found: f.jobs.found[s] ?? 0, expected: f.jobs.expected[s] ?? 0 }]))),
  `${f.rows.found}/${f.rows.expected}`, String(f.rows.lost), String(f.rows.duplicated), counts(f.also ?? {}), `${f.seconds.toFixed(1)} s`,
]);
const head = ["", "fault", "jobs found/expected", "rows found/expected", "lost", "duplicated", "also found/expected", "time"];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const r of [head, ...rows]) console.log(r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd());
'

# The software WebGPU suite (*.webgpu.test.ts: the gradient-check suite and kernel tests on tfjs-backend-webgpu over
# Dawn's OpenGL ES backend on Mesa's llvmpipe, a CPU adapter; setup.sh installs its Debian packages) has its own budget.
# A missing adapter fails it: it must prove that the webgpu code path ran.
WEBGPU_BUDGET_S="${WEBGPU_BUDGET_S:-180}"
say "software GPU tests (budget ${WEBGPU_BUDGET_S} s)"
rm -f test-results/vitest-webgpu.json
started=$SECONDS
EGL_PLATFORM="${EGL_PLATFORM:-surfaceless}" timeout -k 20 "$WEBGPU_BUDGET_S" pnpm exec vitest run -c vitest.webgpu.config.ts --passWithNoTests \
  --reporter=default --reporter=json --outputFile.json=test-results/vitest-webgpu.json "$@"
webgpu_status=$?
say "software GPU tests: $((SECONDS - started)) s of ${WEBGPU_BUDGET_S} s$([ "$webgpu_status" -eq 124 ] && echo ' (over budget: stopped)')"

node -e '
const fs = require("fs");
let passed = 0, failed = 0;
// The chaos and software GPU suites must run unless the arguments chose other tests.
const allRequired = process.argv[2] === "0";
for (const [file, required] of [["test-results/vitest.json", true], ["test-results/vitest-browser.json", false], ["test-results/vitest-chaos.json", allRequired], ["test-results/vitest-webgpu.json", allRequired]]) {
  try {
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + (required && r.numTotalTests === 0 ? 1 : 0);
    // A file that fails to load, or whose beforeAll fails (its tests then report as skipped), counts as a failure
    // even though no test failed.
    failed += r.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed")).length;
  } catch { failed += 1; }
}
const tc = Number(process.argv[1]);
passed += tc ? 0 : 1; failed += tc;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
' "$typecheck_failed" "$#"
summary_status=$?
[ "$vitest_status" -eq 0 ] && [ "$browser_status" -eq 0 ] && [ "$chaos_status" -eq 0 ] && [ "$webgpu_status" -eq 0 ] && [ "$summary_status" -eq 0 ]
