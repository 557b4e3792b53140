#!/usr/bin/env bash
# Stops what scripts/up.sh started (as recorded in $GANTRY_HOME/run/started): the Temporal dev server, and
# dockerd too with --all. Removes leftover task containers (label gantry.task). Never touches a server it did
# not start, nor any other container or image.
#
# Usage: scripts/down.sh [--all]
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stop_docker=0
case "${1:-}" in
  "") ;;
  --all) stop_docker=1 ;;
  -h | --help) sed -n '2,6s/^# \{0,1\}//p' "$0" >&2; exit 0 ;;
  *) die "unknown option: $1 (usage: scripts/down.sh [--all])" ;;
esac

if timeout 15 docker info >/dev/null 2>&1; then
  n="$(remove_task_containers)"
  [[ "$n" == 0 ]] || log "removed $n leftover gantry.task container(s)"
fi

started="$GANTRY_RUN/started"
stopped=0
# Node engines (scripts/ensure-nodes.sh) are Gantry's own: always stopped, their containers first, since
# with --live-restore a container outlives its engine.
if [[ -f "$started" ]]; then
  mapfile -t entries <"$started"
  for entry in "${entries[@]}"; do
    read -r kind pid node _ <<<"$entry"
    [[ "$kind" == dockerd-node ]] || continue
    stop_node_engine "$node" "$pid"
    stopped=1
  done
fi
if [[ -f "$started" ]]; then
  # Read first: stop_started rewrites the file.
  mapfile -t entries <"$started"
  for entry in "${entries[@]}"; do
    read -r kind pid _ <<<"$entry"
    case "$kind" in
      temporal) stop_started temporal "$pid"; stopped=1 ;;
      dockerd) if [[ "$stop_docker" == 1 ]]; then stop_started dockerd "$pid"; stopped=1; fi ;;
      *) ;;
    esac
  done
fi
[[ "$stopped" == 1 ]] || log "nothing to stop: no server recorded as started by scripts/up.sh is running"
if [[ "$stop_docker" == 0 ]] && grep -q '^dockerd ' "$started" 2>/dev/null; then
  log "left dockerd running (started by up.sh); scripts/down.sh --all stops it too"
fi
