#!/usr/bin/env bash
# `npm run chaos`: issue #11's fault suite (bench/chaos.ts). Brings up Docker + Temporal + the busybox image
# and two node engines (scripts/up.sh --nodes 2, reusing what answers), runs the cases, and writes
# bench/results/chaos.{md,json}. Flags pass through: --cases a,b  --chains N  --length N.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GANTRY_ROOT"
npm_ci_if_needed
env_lines="$(bash scripts/up.sh --images busybox --nodes 2)"
export_env_lines <<<"$env_lines"
npx tsx bench/chaos.ts "$@"
