#!/usr/bin/env bash
# `npm run demo`: from a fresh clone, installs node_modules if needed, brings up the stack (Docker, Temporal,
# all images including gantry/ml-example), then runs the example ML pipeline (examples/ml-pipeline/pipeline.ts)
# twice through the Gantry CLI: the second run reuses the first run's cached `prepare` step. Prints the
# evaluation table, the report (when the best model reached the threshold), which steps each run took from the
# cache, and the Temporal UI address. The stack is left running; `scripts/down.sh` stops it.
# Arguments are passed to both runs, e.g. `npm run demo -- --param threshold=0.95`.
# Exit code: the second run's, or the first run's when only that one failed.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GANTRY_ROOT"

npm_ci_if_needed
env_lines="$(bash scripts/up.sh)"
export_env_lines <<<"$env_lines"

pipeline=examples/ml-pipeline/pipeline.ts
results=()
trap 'rm -f "${results[@]}"' EXIT

# run_pipeline N: runs the pipeline, keeps its output in results[N-1], sets run_rc.
run_pipeline() {
  local file
  file="$(mktemp)"
  results+=("$file")
  log "run $1 of 2: gantry run $pipeline --json ${*:2}"
  set +e
  npm run --silent gantry -- run "$pipeline" --json "${@:2}" | tee "$file"
  run_rc=${PIPESTATUS[0]}
  set -e
}

# summary FILE FIELD: reads the run summary (the JSON last line of `gantry run --json`). FIELD is `runId`,
# `report` (the report task's status) or `cached` (one line per task taken from the cache).
summary() {
  tail -n 1 "$1" | node -e '
    let text = "";
    process.stdin.on("data", (d) => (text += d)).on("end", () => {
      const field = process.argv[1];
      let run;
      try {
        run = JSON.parse(text);
      } catch {
        if (field === "cached") console.log("  unknown: no run summary on the last line");
        return;
      }
      const tasks = Object.entries(run.tasks ?? {});
      if (field === "runId") process.stdout.write(run.runId ?? "");
      if (field === "report") process.stdout.write(run.tasks?.report?.status ?? "");
      if (field !== "cached") return;
      const cached = tasks.filter(([, t]) => t.status === "cached");
      const lines = cached.map(([id, t]) => `  ${id}: cached from run ${t.cachedFrom ?? "?"}`);
      console.log(lines.length > 0 ? lines.join("\n") : "  none (every step ran its container)");
    });' "$2"
}

run_pipeline 1 "$@"
rc1=$run_rc
run_pipeline 2 "$@"
rc2=$run_rc

run_id="$(summary "${results[1]}" runId)"
if [[ -n "$run_id" ]]; then
  echo
  echo "The evaluation table (npm run --silent gantry -- logs $run_id evaluate):"
  npm run --silent gantry -- logs "$run_id" evaluate || true
  if [[ "$(summary "${results[1]}" report)" == succeeded ]]; then
    echo
    echo "The report (npm run --silent gantry -- logs $run_id report):"
    npm run --silent gantry -- logs "$run_id" report || true
  fi
fi
for n in 1 2; do
  echo
  echo "Steps run $n took from the cache (run $(summary "${results[n - 1]}" runId)):"
  summary "${results[n - 1]}" cached
done

ui="${GANTRY_TEMPORAL_UI:-}"
echo
[[ -z "$ui" ]] || echo "Temporal UI: $ui (workflows of both runs are listed there; the stack keeps running)"
echo "Stop the stack with: bash scripts/down.sh   (add --all to stop a dockerd that up.sh started)"
((rc1 == 0)) || log "the first pipeline run exited with code $rc1"
((rc2 == 0)) || log "the second pipeline run exited with code $rc2"
((rc2 != 0)) || rc2=$rc1
exit "$rc2"
