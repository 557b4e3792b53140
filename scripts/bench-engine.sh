#!/usr/bin/env bash
# `npm run bench:engine`: brings up Docker + Temporal + the busybox image via scripts/up.sh (reusing what
# already answers), then runs bench/engine.ts "$@" against them. Writes bench/results/engine.{md,json}.
# Stops nothing afterwards: scripts/down.sh stops what up.sh started.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GANTRY_ROOT"
env_lines="$(bash scripts/up.sh --images busybox)"
export_env_lines <<<"$env_lines"
exec npx tsx bench/engine.ts "$@"
