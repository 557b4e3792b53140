#!/usr/bin/env bash
# Makes sure Apache Airflow (pinned) with the Docker and Postgres providers is installed in a cached venv, and
# that Debian's PostgreSQL server binaries are present, for bench/engine-airflow.ts (`npm run bench:airflow`).
# Prints on stdout the env to use:
#   GANTRY_AIRFLOW_VENV=…   the venv (bin/airflow, bin/python)
#   GANTRY_PG_BIN=…         the directory holding initdb, pg_ctl, postgres
# The venv lives in ~/.cache/gantry/airflow-<version>-py<X.Y> and is reused once complete (a marker file is
# written after `airflow version` answers), so only the first run downloads anything. Starts nothing: the
# bench initialises and stops its own Postgres cluster and Airflow processes. Never used by `npm test`.
#
# No constraints file: Airflow's published constraints are not reachable from here, so the Airflow and
# provider versions are pinned and pip's resolver picks the rest.
#
# Usage: scripts/ensure-airflow.sh [-v]   (GANTRY_DRY_RUN=1: stop, exit 3, where it would install)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ "${1:-}" == -v || "${1:-}" == --verbose ]] && GANTRY_VERBOSE=1

AIRFLOW_VERSION="${GANTRY_AIRFLOW_VERSION:-3.3.2}"
DOCKER_PROVIDER_VERSION=4.6.1
# Airflow 3.3 supports CPython 3.10-3.13; the first of these that runs is used.
PYTHON_CANDIDATES=(python3.12 python3.11 python3.13 python3.10 python3)

# ---- PostgreSQL -------------------------------------------------------------------------------------------

pg_bin() {
  local d
  for d in $(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -rV); do
    [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && { echo "$d"; return 0; }
  done
  return 1
}

if ! PG_BIN="$(pg_bin)"; then
  with_lock postgresql
  PG_BIN="$(pg_bin)" || { apt_install postgresql; PG_BIN="$(pg_bin)" || die "postgresql installed but no initdb under /usr/lib/postgresql/*/bin"; }
fi
# initdb refuses to run as root; the bench runs the server as Debian's `postgres` user then.
if is_root && ! id postgres >/dev/null 2>&1; then die "running as root but there is no 'postgres' user to run PostgreSQL as"; fi

# ---- Airflow ----------------------------------------------------------------------------------------------

python_ok() { "$1" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)' 2>/dev/null; }
PYTHON=""
for p in "${PYTHON_CANDIDATES[@]}"; do
  if have "$p" && python_ok "$p"; then PYTHON="$p"; break; fi
done
[[ -n "$PYTHON" ]] || die "Airflow $AIRFLOW_VERSION needs CPython 3.10-3.13; none of ${PYTHON_CANDIDATES[*]} is one"
pyver="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
venv="$GANTRY_CACHE/airflow-$AIRFLOW_VERSION-py$pyver"

if [[ ! -f "$venv/.complete" ]]; then
  with_lock "airflow-$AIRFLOW_VERSION"
fi
if [[ ! -f "$venv/.complete" ]]; then
  [[ "${GANTRY_DRY_RUN:-0}" == 1 ]] && { log "dry run: would install apache-airflow==$AIRFLOW_VERSION into $venv"; exit 3; }
  "$PYTHON" -m venv --help >/dev/null 2>&1 || apt_install python3-venv
  start=$(date +%s)
  log "airflow: installing apache-airflow==$AIRFLOW_VERSION into $venv with $PYTHON (a few minutes, once)"
  rm -rf "$venv"
  run_logged airflow "$PYTHON" -m venv "$venv"
  run_logged airflow "$venv/bin/python" -m pip install -q --upgrade pip
  run_logged airflow "$venv/bin/python" -m pip install -q \
    "apache-airflow[postgres]==$AIRFLOW_VERSION" \
    "apache-airflow-providers-docker==$DOCKER_PROVIDER_VERSION"
  v="$(AIRFLOW_HOME="$(mktemp -d)" "$venv/bin/airflow" version 2>/dev/null | tail -n 1)"
  [[ "$v" == "$AIRFLOW_VERSION" ]] || die "airflow installed in $venv but 'airflow version' says '$v'; see $GANTRY_LOG/airflow.log"
  touch "$venv/.complete"
  log "airflow: installed $AIRFLOW_VERSION in $(elapsed_since "$start") s"
else
  log "airflow: using cached $venv"
fi

echo "GANTRY_AIRFLOW_VENV=$venv"
echo "GANTRY_PG_BIN=$PG_BIN"
