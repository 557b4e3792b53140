# shellcheck shell=bash
# shellcheck disable=SC2034 # the constants are used by the scripts that source this file
# Shared helpers for the Gantry dev-stack scripts. Sourced, never run.
#
# Contract of the scripts: idempotent; reuse what already answers, start only what is missing, and record what
# they started in $GANTRY_HOME/run/started (and in $GANTRY_SESSION_STARTED when a caller such as test.sh
# wants to stop only what its own invocation started). Progress goes to stderr, one line per step;
# the noisy output of apt, debootstrap, docker and the Temporal server goes to $GANTRY_HOME/log/.

GANTRY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GANTRY_HOME="${GANTRY_HOME:-$HOME/.gantry}"
GANTRY_CACHE="${GANTRY_CACHE:-$HOME/.cache/gantry}"
GANTRY_RUN="$GANTRY_HOME/run"
GANTRY_LOG="$GANTRY_HOME/log"
GANTRY_VERBOSE="${GANTRY_VERBOSE:-0}"

TEMPORAL_CLI_VERSION=1.9.1
# The go-install fallback: v1.9.1's go.mod carries replace directives, so `go install …@v1.9.1` fails.
TEMPORAL_CLI_GO_VERSION=1.5.1
GANTRY_DEFAULT_TEMPORAL_ADDRESS=127.0.0.1:7233
GANTRY_SEARCH_ATTRIBUTES=(GantryPipeline GantryStatus GantrySchedule GantryTrigger GantryUpstreamRun)
DEFAULT_DOCKER_SOCK=/var/run/docker.sock

mkdir -p "$GANTRY_RUN" "$GANTRY_LOG"

log() { printf 'gantry: %s\n' "$*" >&2; }
die() { printf 'gantry: error: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# run_logged NAME CMD...: runs CMD with its output appended to $GANTRY_LOG/NAME.log (or shown with
# GANTRY_VERBOSE=1); on failure shows the log's tail so the one-line progress stays useful.
run_logged() {
  local name="$1"
  shift
  local file="$GANTRY_LOG/$name.log"
  printf '\n### %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$file"
  if [[ "$GANTRY_VERBOSE" == 1 ]]; then
    "$@" 2>&1 | tee -a "$file" >&2
    return "${PIPESTATUS[0]}"
  fi
  if ! "$@" >>"$file" 2>&1; then
    log "command failed: $* (last lines of $file):"
    tail -n 25 "$file" >&2
    return 1
  fi
}

# with_lock NAME: serialises concurrent callers (two engineers running `npm test` at once) on one step.
# The lock is held on fd 9 until the calling script exits.
with_lock() {
  exec 9>"$GANTRY_RUN/$1.lock"
  if ! flock -n 9; then
    log "waiting for another gantry script holding $GANTRY_RUN/$1.lock"
    flock 9
  fi
}

# elapsed_since START_EPOCH: whole seconds since START_EPOCH.
elapsed_since() { echo $(($(date +%s) - $1)); }

is_root() { [[ "$(id -u)" == 0 ]]; }

# apt_update: apt-get update, at most once an hour across scripts (each script is its own process).
apt_update() {
  local stamp="$GANTRY_RUN/apt-updated"
  [[ -n "$(find "$stamp" -mmin -60 2>/dev/null)" ]] && return 0
  log "apt-get update"
  DEBIAN_FRONTEND=noninteractive run_logged apt apt-get update -q
  touch "$stamp"
}

# apt_install PKG...: Debian only, as root, non-interactive, without recommends.
apt_install() {
  [[ -r /etc/debian_version ]] || die "cannot install $* automatically: not a Debian system; install it and retry"
  is_root || die "cannot install $* automatically: not root; run 'sudo apt-get install -y $*' and retry"
  [[ "${GANTRY_DRY_RUN:-0}" == 1 ]] && { log "dry run: would apt-get install $*"; exit 3; }
  apt_update
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive run_logged apt apt-get install -y -q --no-install-recommends "$@"
}

# record_started KIND PID DETAIL: remembers a process this machine's scripts started, for down.sh / test.sh.
record_started() {
  local line="$1 $2 $3"
  echo "$line" >>"$GANTRY_RUN/started"
  if [[ -n "${GANTRY_SESSION_STARTED:-}" ]]; then echo "$line" >>"$GANTRY_SESSION_STARTED"; fi
}

# is_our_process KIND PID: true if PID is alive and still the program KIND (guards against recycled pids).
is_our_process() {
  local kind="$1" pid="$2" cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  # The group catches the shell's own error when the pid is gone, not only tr's.
  cmdline="$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null)" || return 1
  case "$kind" in
    temporal) [[ "$cmdline" == *temporal*start-dev* ]] ;;
    dockerd) [[ "$cmdline" == *dockerd* ]] ;;
    dockerd-node) [[ "$cmdline" == *dockerd*--host*/node-* ]] ;;
    *) return 1 ;;
  esac
}

# stop_started KIND PID: stops one recorded process (TERM, then KILL after 20 s) and forgets it.
stop_started() {
  local kind="$1" pid="$2" i
  if is_our_process "$kind" "$pid"; then
    log "stopping $kind (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do
      is_our_process "$kind" "$pid" || break
      sleep 0.5
    done
    if is_our_process "$kind" "$pid"; then
      log "$kind (pid $pid) ignored SIGTERM for 20 s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  forget_started "$kind" "$pid"
}

# stop_node_engine NODE PID: stops a node engine of scripts/ensure-nodes.sh: its containers first (with
# --live-restore they would outlive it), then dockerd, then its bridge.
stop_node_engine() {
  local node="$1" pid="$2" sock ids
  sock="$GANTRY_RUN/node-$node/docker.sock"
  if ids="$(timeout 15 docker -H "unix://$sock" ps -aq 2>/dev/null)" && [[ -n "$ids" ]]; then
    # shellcheck disable=SC2086 # one id per word
    docker -H "unix://$sock" rm -f $ids >/dev/null 2>&1 || true
    log "removed $(wc -w <<<"$ids" | tr -d ' ') container(s) on node engine $node"
  fi
  stop_started dockerd-node "$pid"
  # A shim whose containerd went with an engine restart mid-start outlives its container (seen in the chaos
  # suite's dockerd restarts); the node's exec root is Gantry's alone, so what still serves it goes too.
  pkill -f "containerd-shim.* -address $GANTRY_RUN/node-$node/exec/" 2>/dev/null || true
  ip link del "gantry-n$node" 2>/dev/null || true
}

forget_started() {
  local file="$GANTRY_RUN/started"
  [[ -f "$file" ]] || return 0
  grep -v -x -E "$1 $2( .*)?" "$file" >"$file.tmp" || true
  mv "$file.tmp" "$file"
  [[ "$1" == temporal ]] && rm -f "$GANTRY_RUN/temporal.pid"
  [[ "$1" == dockerd ]] && rm -f "$GANTRY_RUN/dockerd.pid"
  return 0
}

# start_background KIND LOGFILE CMD...: starts CMD detached from this shell's session (so Ctrl-C on a demo
# does not take the server down), stdin closed; echoes its pid.
start_background() {
  local kind="$1" logfile="$2"
  shift 2
  printf '\n### %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$logfile"
  # A non-interactive shell does not make background jobs group leaders, so setsid execs without forking
  # and $! is the server's own pid.
  # 9>&-: the daemon must not inherit the lock with_lock holds on fd 9. dockerd passes its descriptors on to
  # containerd and every containerd-shim, and an orphaned shim that outlived a crashed dockerd then held
  # the lock for good: the next `gantry up` waited on it for ever.
  setsid "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  local pid=$!
  echo "$pid" >"$GANTRY_RUN/$kind.pid"
  echo "$pid"
}

# remove_task_containers: removes containers labelled gantry.task (leftovers of runs); echoes how many.
remove_task_containers() {
  local ids
  ids="$(docker ps -aq --filter label=gantry.task 2>/dev/null)" || { echo 0; return 0; }
  if [[ -z "$ids" ]]; then echo 0; return 0; fi
  # shellcheck disable=SC2086 # one id per word
  docker rm -f $ids >/dev/null 2>&1 || true
  wc -w <<<"$ids" | tr -d ' '
}

# export_env_lines: reads KEY=VALUE lines (as printed by up.sh) on stdin and exports them.
export_env_lines() {
  local line
  while IFS= read -r line; do
    [[ "$line" =~ ^([A-Z_][A-Z0-9_]*)=(.*)$ ]] || continue
    export "${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
  done
}

# npm_clean_install: plain `npm ci`. The lockfile lists every optional platform package (see
# scripts/check-lockfile.sh), so there is no fallback: any mismatch fails with npm's own message.
npm_clean_install() {
  local start
  start=$(date +%s)
  log "npm ci"
  local out
  out="$(mktemp)"
  if ! npm ci --no-audit --no-fund >"$out" 2>&1; then
    cat "$out" >>"$GANTRY_LOG/npm.log"
    # npm's own reasons come first; the usage text it appends after them is left out.
    log "npm ci failed:"
    sed -n '/^npm error Clean install a project/q;p' "$out" | grep -v -E '^npm (warn|error *$)' | head -n 40 >&2
    rm -f "$out"
    return 1
  fi
  cat "$out" >>"$GANTRY_LOG/npm.log"
  rm -f "$out"
  log "npm ci done in $(elapsed_since "$start") s"
}

# npm_ci_if_needed: installs node_modules when missing or older than package-lock.json.
npm_ci_if_needed() {
  (
    cd "$GANTRY_ROOT" || exit 1
    if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
      have npm || die "npm not found: install Node.js >= 20.19"
      log "npm ci (node_modules missing or older than package-lock.json)"
      npm_clean_install
    fi
  )
}

# ---- runtime classes and user namespaces of the engines Gantry starts -------------------------------------
# Tasks may ask for an OCI runtime by `runtimeClass` (cluster `runtimeClasses` lists the allowed ones).
# Debian bookworm packages gVisor (runsc) and crun; GANTRY_SANDBOX_RUNTIMES=0 skips installing them.
SANDBOX_RUNTIME_PACKAGES=(runsc crun)

# ensure_sandbox_runtimes: installs the missing ones where it can (root, Debian); never fatal.
ensure_sandbox_runtimes() {
  [[ "${GANTRY_SANDBOX_RUNTIMES:-1}" == 0 ]] && return 0
  local missing=() pkg
  for pkg in "${SANDBOX_RUNTIME_PACKAGES[@]}"; do have "$pkg" || missing+=("$pkg"); done
  ((${#missing[@]} == 0)) && return 0
  if ! is_root || [[ ! -r /etc/debian_version ]] || [[ "${GANTRY_DRY_RUN:-0}" == 1 ]]; then
    log "runtimes: ${missing[*]} not installed (runtimeClass tasks asking for them will fail); install them with apt"
    return 0
  fi
  (apt_install "${missing[@]}") || log "runtimes: installing ${missing[*]} failed; see $GANTRY_LOG/apt.log"
}

# dockerd_security_args: dockerd flags for what is installed. runsc goes through a wrapper, because
# `--add-runtime` takes no arguments: gVisor's own network stack refuses to start in this kind of VM
# ("cannot run with network enabled in root network namespace"), so it uses the container's network
# namespace through the host kernel (--network=host: still the container's own namespace and bridge). crun
# 1.8 refuses a hybrid cgroup v1/v2 host ("cgroups in hybrid mode not supported"), so it is registered only
# where cgroup v2's unified hierarchy holds no controllers. GANTRY_DOCKER_USERNS_REMAP (e.g. `default`) is
# passed as --userns-remap: root in a container is then an unprivileged uid on the host.
dockerd_security_args() {
  local wrapper="$GANTRY_HOME/bin/runsc"
  if [[ -x /usr/bin/runsc ]]; then
    mkdir -p "$(dirname "$wrapper")"
    printf '#!/bin/sh\nexec /usr/bin/runsc --network=host "$@"\n' >"$wrapper"
    chmod 755 "$wrapper"
    printf '%s\n' --add-runtime "runsc=$wrapper"
  fi
  if [[ -x /usr/bin/crun ]] && [[ -z "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]]; then
    printf '%s\n' --add-runtime crun=/usr/bin/crun
  fi
  if [[ -n "${GANTRY_DOCKER_USERNS_REMAP:-}" ]]; then
    printf '%s\n' --userns-remap "$GANTRY_DOCKER_USERNS_REMAP"
  fi
}
