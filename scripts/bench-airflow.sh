#!/usr/bin/env bash
# `npm run bench:airflow`: brings up Docker + Temporal + the busybox image via scripts/up.sh (reusing what
# already answers), makes sure Airflow and PostgreSQL are installed (scripts/ensure-airflow.sh, cached), then
# runs bench/engine-airflow.ts "$@". The bench starts and stops its own Postgres cluster and Airflow
# processes; like bench-engine.sh it leaves the dev stack up (scripts/down.sh stops it).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GANTRY_ROOT"
env_lines="$(bash scripts/up.sh --images busybox)"
export_env_lines <<<"$env_lines"
env_lines="$(bash scripts/ensure-airflow.sh)"
export_env_lines <<<"$env_lines"
exec npx tsx bench/engine-airflow.ts "$@"
