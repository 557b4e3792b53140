#!/usr/bin/env bash
# A real multi-node cluster on one machine (issue #11): N Docker engines besides the main one, each with its
# own socket, data root, exec root and bridge, so tasks really land on different engines and a fault can
# take one of them alone. Needs root (dockerd, bridges). Reuses engines that answer; loads the local images
# into each from the main engine (`docker save | docker load`: no registry); records what it started so
# scripts/down.sh stops it. Prints the engines' sockets, one `GANTRY_NODE_<i>=unix://…` line each.
#
#   engine i: socket $GANTRY_RUN/node-i/docker.sock, data $GANTRY_HOME/nodes/node-i, bridge gantry-n<i>
#             (172.29.<i>.1/24), no iptables rules (several engines would fight over Docker's chains; the
#             tasks' bridge network reaches the other containers of that engine, not the outside)
#
# Usage: scripts/ensure-nodes.sh N [--images busybox,python]
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MAX_NODES=8
count="${1:-}"
[[ "$count" =~ ^[1-9][0-9]*$ && "$count" -le "$MAX_NODES" ]] || die "ensure-nodes.sh: N must be 1–$MAX_NODES (got \"$count\")"
shift
images=busybox
while (($#)); do
  case "$1" in
    --images) [[ $# -ge 2 ]] || die "--images needs a list"; images="$2"; shift 2 ;;
    *) die "unknown option: $1" ;;
  esac
done
is_root || die "starting node engines needs root (dockerd and its bridge)"
have dockerd || die "dockerd is missing: run scripts/ensure-docker.sh first"
ensure_sandbox_runtimes
NODE_START_TIMEOUT=60

node_sock() { echo "$GANTRY_RUN/node-$1/docker.sock"; }
node_answers() { timeout 15 docker -H "unix://$(node_sock "$1")" info >/dev/null 2>&1; }

ensure_bridge() {
  local name="gantry-n$1" address="172.29.$1.1/24"
  if ! ip link show "$name" >/dev/null 2>&1; then
    ip link add name "$name" type bridge
    ip addr add "$address" dev "$name"
  fi
  ip link set "$name" up
}

start_node() {
  local i="$1" sock data exec pid start
  sock="$(node_sock "$i")"
  data="$GANTRY_HOME/nodes/node-$i"
  exec="$GANTRY_RUN/node-$i/exec"
  mkdir -p "$(dirname "$sock")" "$data" "$exec"
  ensure_bridge "$i"
  # A socket or pid file left by an engine that died would make dockerd refuse to start.
  rm -f "$sock" "$GANTRY_RUN/node-$i/docker.pid"
  log "node $i: starting dockerd (socket $sock)"
  local security_args=()
  mapfile -t security_args < <(dockerd_security_args)
  pid="$(start_background "dockerd-node-$i" "$GANTRY_LOG/dockerd-node-$i.log" dockerd \
    --host "unix://$sock" --data-root "$data" --exec-root "$exec" \
    --pidfile "$GANTRY_RUN/node-$i/docker.pid" --bridge "gantry-n$i" \
    --iptables=false --ip-masq=false --live-restore "${security_args[@]}")"
  record_started dockerd-node "$pid" "$i"
  start=$(date +%s)
  until node_answers "$i"; do
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$GANTRY_LOG/dockerd-node-$i.log" >&2; die "node $i: dockerd exited"; }
    (($(elapsed_since "$start") <= NODE_START_TIMEOUT)) || die "node $i: dockerd did not answer within ${NODE_START_TIMEOUT} s"
    sleep 0.5
  done
  log "node $i: dockerd started (pid $pid) in $(elapsed_since "$start") s"
}

# load_images I: the local images the main engine has and engine I lacks (or has at another id).
load_images() {
  local i="$1" name image want have
  IFS=, read -r -a names <<<"$images"
  for name in "${names[@]}"; do
    image="gantry/$name:latest"
    want="$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null)" || die "image $image is not on the main engine: run scripts/build-images.sh --only $name"
    have="$(docker -H "unix://$(node_sock "$i")" image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
    [[ "$want" == "$have" ]] && continue
    log "node $i: loading $image"
    docker save "$image" | docker -H "unix://$(node_sock "$i")" load >/dev/null
  done
}

with_lock nodes
for ((i = 1; i <= count; i++)); do
  node_answers "$i" || start_node "$i"
  load_images "$i"
  echo "GANTRY_NODE_$i=unix://$(node_sock "$i")"
done
