#!/usr/bin/env bash
# Runs every check: setup (fresh machine ok), migration of a dedicated test database, typecheck, all tests.
# Ends with one line "N passed, N failed" (the typecheck counts as one check).
set -uo pipefail
source "$(dirname "$0")/setup.sh"
setup_all
set +e

# One suite with its own time budget: `run_suite LABEL BUDGET_S CONFIG JSON_OUT [NOTE] -- VITEST_ARGS...`; prints its
# time against the budget and returns vitest's status (124: stopped over budget).
run_suite() {
  local label=$1 budget=$2 config=$3 json=$4 note=${5:-}
  shift 5
  say "$label (budget ${budget} s${note})"
  rm -f "$json"
  local started=$SECONDS
  timeout -k 20 "$budget" pnpm exec vitest run -c "$config" --passWithNoTests \
    --reporter=default --reporter=json --outputFile.json="$json" "$@"
  local status=$?
  say "$label: $((SECONDS - started)) s of ${budget} s$([ "$status" -eq 124 ] && echo ' (over budget: stopped)')"
  return "$status"
}

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
run_suite "browser tests" "${BROWSER_BUDGET_S:-600}" vitest.browser.config.ts test-results/vitest-browser.json \
  "; screenshots in test-results/screenshots/" "$@"
browser_status=$?

# The chaos suite (coordinator and worker processes against a PostgreSQL and a Redis each test starts on free
# loopback ports; workers, Redis, PostgreSQL and the coordinator killed or restarted mid-work) has its own budget.
# Each fault reports jobs and rows expected vs found in test-results/chaos.json, printed below as a table.
rm -f test-results/chaos.json
run_suite "chaos tests" "${CHAOS_BUDGET_S:-600}" vitest.chaos.config.ts test-results/vitest-chaos.json "" "$@"
chaos_status=$?
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
EGL_PLATFORM="${EGL_PLATFORM:-surfaceless}" run_suite "software GPU tests" "${WEBGPU_BUDGET_S:-180}" vitest.webgpu.config.ts \
  test-results/vitest-webgpu.json "" "$@"
webgpu_status=$?

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
