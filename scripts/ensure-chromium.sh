#!/usr/bin/env bash
# Makes sure a headless Chromium is installed for the tests that look at the Temporal Web UI as a person
# would (test/integration/temporal-ui.test.ts drives it with playwright-core). Uses Debian's `chromium`
# package: playwright's own browser download is not used, so nothing but the Debian archive is needed.
# Prints nothing on stdout; one line of progress on stderr, apt's output in $GANTRY_HOME/log/apt.log.
#
# Usage: scripts/ensure-chromium.sh [-v]   (GANTRY_DRY_RUN=1: stop, exit 3, where it would install)
#        GANTRY_CHROMIUM=/path/to/chromium: use that binary instead (it must run).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ "${1:-}" == -v || "${1:-}" == --verbose ]] && GANTRY_VERBOSE=1

bin="${GANTRY_CHROMIUM:-/usr/bin/chromium}"
version() { timeout 30 "$bin" --headless --no-sandbox --version 2>/dev/null | head -n 1; }

if [[ -x "$bin" ]] && v="$(version)" && [[ -n "$v" ]]; then
  log "chromium: using $bin ($v)"
  exit 0
fi
[[ -z "${GANTRY_CHROMIUM:-}" ]] || die "GANTRY_CHROMIUM=$GANTRY_CHROMIUM does not run; unset it to use Debian's chromium"

with_lock chromium
if [[ -x "$bin" ]] && v="$(version)" && [[ -n "$v" ]]; then
  log "chromium: using $bin ($v, installed meanwhile)"
  exit 0
fi
start=$(date +%s)
# fonts-liberation: without a font package, pages render their text as boxes in screenshots.
apt_install chromium fonts-liberation
v="$(version)" && [[ -n "$v" ]] || die "chromium was installed but $bin does not run; see $GANTRY_LOG/apt.log"
log "chromium: installed $v in $(elapsed_since "$start") s"
