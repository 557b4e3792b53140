#!/usr/bin/env bash
# `npm run demo`: from a fresh clone, installs node_modules if needed, brings up the stack (Docker, Temporal,
# all images including gantry/ml-example), runs the example ML pipeline through the Gantry CLI, and prints the
# Temporal UI address. The stack is left running; `scripts/down.sh` stops it. Exit code: the run's.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GANTRY_ROOT"

npm_ci_if_needed
env_lines="$(bash scripts/up.sh)"
export_env_lines <<<"$env_lines"

pipeline=examples/ml-pipeline/pipeline.yaml
log "running $pipeline"
result_file="$(mktemp)"
trap 'rm -f "$result_file"' EXIT
set +e
npm run --silent gantry -- run "$pipeline" --json | tee "$result_file"
rc=${PIPESTATUS[0]}
set -e

run_id="$(tail -n 1 "$result_file" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{process.stdout.write(JSON.parse(s).runId??"")}catch{}})')"
ui="${GANTRY_TEMPORAL_UI:-}"
if [[ -n "$run_id" ]]; then
  echo
  echo "What the evaluate task printed (npm run --silent gantry -- logs $run_id evaluate):"
  npm run --silent gantry -- logs "$run_id" evaluate || true
fi
echo
[[ -z "$ui" ]] || echo "Temporal UI: $ui (workflows of this run are listed there; the stack keeps running)"
echo "Stop the stack with: bash scripts/down.sh   (add --all to stop a dockerd that up.sh started)"
((rc == 0)) || log "the pipeline run exited with code $rc"
exit "$rc"
