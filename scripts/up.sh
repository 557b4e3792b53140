#!/usr/bin/env bash
# Brings up Gantry's local stack: a Docker engine, a Temporal server with Gantry's search attributes, and the
# local images. Reuses whatever already answers; records what it started in $GANTRY_HOME/run/started so
# scripts/down.sh stops only that. Prints the env to use on stdout (KEY=VALUE lines); progress on stderr.
#
# Usage: scripts/up.sh [--images busybox,python,ml-example | --no-images] [--nodes N] [-v]
#   --nodes N: also N node engines (scripts/ensure-nodes.sh), each printed as GANTRY_NODE_<i>=unix://…
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

images=busybox,python,ml-example
nodes=0
while (($#)); do
  case "$1" in
    --images) [[ $# -ge 2 ]] || die "--images needs a list"; images="$2"; shift 2 ;;
    --images=*) images="${1#--images=}"; shift ;;
    --no-images) images=; shift ;;
    --nodes) [[ $# -ge 2 ]] || die "--nodes needs a count"; nodes="$2"; shift 2 ;;
    -v | --verbose) export GANTRY_VERBOSE=1; shift ;;
    -h | --help) sed -n '2,6s/^# \{0,1\}//p' "$0" >&2; exit 0 ;;
    *) die "unknown option: $1" ;;
  esac
done

scripts="$GANTRY_ROOT/scripts"
bash "$scripts/ensure-docker.sh"
env_lines="$(bash "$scripts/ensure-temporal.sh")"
[[ -z "$images" ]] || GANTRY_DOCKER_CHECKED=1 bash "$scripts/build-images.sh" --only "$images"

echo "$env_lines"
if [[ "$nodes" != 0 ]]; then
  node_images="${images:-busybox}"
  bash "$scripts/ensure-nodes.sh" "$nodes" --images "${node_images//,ml-example/}"
fi
if [[ -n "${DOCKER_HOST:-}" ]]; then echo "DOCKER_HOST=$DOCKER_HOST"; fi
ui="$(sed -n 's/^GANTRY_TEMPORAL_UI=//p' <<<"$env_lines")"
log "stack is up; use: export $(grep '^TEMPORAL_ADDRESS=' <<<"$env_lines")${ui:+ (Temporal UI: $ui)}"
