#!/usr/bin/env bash
# Makes sure a Docker engine answers: the one at DOCKER_HOST, else the one at /var/run/docker.sock. If none
# answers, installs Debian's docker.io when dockerd is missing (root only) and starts dockerd in the
# background (log: $GANTRY_HOME/log/dockerd.log, pid: $GANTRY_HOME/run/dockerd.pid), recording it so that
# `scripts/down.sh --all` can stop it. Never restarts an engine that answers.
#
# Usage: scripts/ensure-docker.sh [-v]     (GANTRY_DRY_RUN=1: stop, exit 3, where it would install/start)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ "${1:-}" == -v || "${1:-}" == --verbose ]] && GANTRY_VERBOSE=1

DOCKER_START_TIMEOUT=60
host="${DOCKER_HOST:-unix://$DEFAULT_DOCKER_SOCK}"

docker_error=""
docker_answers() { have docker && docker_error="$(timeout 15 docker info 2>&1 >/dev/null)"; }
server_version() { docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'; }

if docker_answers; then
  log "docker: using engine at $host (server $(server_version))"
  exit 0
fi
if [[ "$docker_error" == *"permission denied"* ]]; then
  die "the Docker engine at $host is running but this user may not use it; add it to the docker group (or use sudo)"
fi
if [[ "$host" != unix://* ]]; then
  die "DOCKER_HOST=$DOCKER_HOST does not answer; start that engine, or unset DOCKER_HOST to use a local one"
fi

with_lock docker
if ! have docker || ! have dockerd; then
  packages=(docker.io)
  # Installed without recommends (needrestart would restart host services); but on a kernel with AppArmor on,
  # dockerd cannot start containers without apparmor_parser.
  [[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" == Y ]] && packages+=(apparmor)
  apt_install "${packages[@]}"
  # On a systemd machine the package starts docker.service itself; that engine is then not ours to stop.
  if [[ -d /run/systemd/system ]]; then
    for _ in {1..20}; do docker_answers && break; sleep 0.5; done
  fi
  if docker_answers; then
    log "docker: using engine at $host (server $(server_version), started by the docker.io package)"
    exit 0
  fi
fi
docker_answers && { log "docker: using engine at $host (started meanwhile by another caller)"; exit 0; }

is_root || die "no Docker engine answers at $host and starting dockerd needs root (try: sudo dockerd &)"
# --live-restore: containers keep running while dockerd restarts, so a task outlives an engine restart and
# its attempt adopts it afterwards (a platform retry), instead of being killed and counted as the user's.
args=(--live-restore)
ensure_sandbox_runtimes
mapfile -t security_args < <(dockerd_security_args)
args+=("${security_args[@]}")
[[ "$host" != "unix://$DEFAULT_DOCKER_SOCK" ]] && args+=(-H "$host")
if [[ "${GANTRY_DRY_RUN:-0}" == 1 ]]; then
  log "dry run: would start: dockerd ${args[*]} (log $GANTRY_LOG/dockerd.log)"
  exit 3
fi

log "docker: no engine answers at $host; starting dockerd"
start=$(date +%s)
pid="$(start_background dockerd "$GANTRY_LOG/dockerd.log" dockerd "${args[@]}")"
record_started dockerd "$pid" "$host"
until docker_answers; do
  if ! kill -0 "$pid" 2>/dev/null; then
    forget_started dockerd "$pid"
    log "dockerd exited; last lines of $GANTRY_LOG/dockerd.log:"
    tail -n 20 "$GANTRY_LOG/dockerd.log" >&2
    exit 1
  fi
  if (($(elapsed_since "$start") > DOCKER_START_TIMEOUT)); then
    die "dockerd (pid $pid) did not answer within ${DOCKER_START_TIMEOUT} s; see $GANTRY_LOG/dockerd.log"
  fi
  sleep 0.5
done
log "docker: dockerd started (pid $pid) in $(elapsed_since "$start") s; server $(server_version)"
