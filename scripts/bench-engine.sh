#!/usr/bin/env bash
# `npm run bench:engine`: issue #10's engine benchmarks, each part writing its own results, then the
# combined report (bench/engine-report.ts → bench/results/engine.{md,json}, with the goals table).
#   part 1: bench/engine.ts          Gantry vs a raw dockerode loop  → engine-dag.{md,json}
#   part 2: bench/engine-airflow.ts  Gantry vs Apache Airflow 3      → engine-airflow.{md,json} (skipped if absent)
#   part 3: bench/engine-scale.ts    scale on simulated nodes        → engine-scale.{md,json}
# The whole run is long (part 3 alone can take an hour or more): `--part 3` (or `--part 1,3`, or
# `--part report`) runs only those; the report always runs last and merges whatever results exist.
# Each part's own flags pass through to it: --pairs (1); --rounds (2); --sizes, --scenarios,
# --foreach-items, --limit-min, --concurrency, --chain-width, --no-bare, --keep (3).
# Brings up Docker + Temporal + the busybox image via scripts/up.sh (reusing what already answers) and
# stops nothing afterwards: scripts/down.sh stops what up.sh started.
#   e.g. npm run bench:engine -- --part 3 --sizes 10000 --scenarios fanout,chain --limit-min 15
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GANTRY_ROOT"

parts="1,2,3"
dag_args=()
airflow_args=()
scale_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --part) parts="${2:?--part needs a list such as 3 or 1,3 or report}"; shift 2 ;;
    --pairs) dag_args+=("$1" "${2:?}"); shift 2 ;;
    --rounds) airflow_args+=("$1" "${2:?}"); shift 2 ;;
    --sizes | --scenarios | --foreach-items | --limit-min | --concurrency | --chain-width)
      scale_args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    --no-bare | --keep) scale_args+=("$1"); shift ;;
    *) echo "bench:engine: unknown flag \"$1\" (see scripts/bench-engine.sh)" >&2; exit 2 ;;
  esac
done
for part in ${parts//,/ }; do
  case "$part" in
    1 | 2 | 3 | report) ;;
    *) echo "bench:engine: --part: unknown part \"$part\" (1, 2, 3 or report)" >&2; exit 2 ;;
  esac
done
has_part() { [[ ",$parts," == *",$1,"* ]]; }

if has_part 1 || has_part 2 || has_part 3; then
  env_lines="$(bash scripts/up.sh --images busybox)"
  export_env_lines <<<"$env_lines"
fi
status=0
if has_part 1; then
  echo "bench:engine: part 1 (Gantry vs a raw dockerode loop)" >&2
  npx tsx bench/engine.ts "${dag_args[@]}" || status=1
fi
if has_part 2; then
  if [[ -f bench/engine-airflow.ts && -f scripts/bench-airflow.sh ]]; then
    echo "bench:engine: part 2 (Gantry vs Apache Airflow 3)" >&2
    bash scripts/bench-airflow.sh "${airflow_args[@]}" || status=1
  else
    echo "bench:engine: part 2 skipped: bench/engine-airflow.ts is not there" >&2
  fi
fi
if has_part 3; then
  echo "bench:engine: part 3 (scale on simulated nodes)" >&2
  npx tsx bench/engine-scale.ts "${scale_args[@]}" || status=1
fi
npx tsx bench/engine-report.ts
exit "$status"
