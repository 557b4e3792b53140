#!/usr/bin/env bash
# Guards the install against the two ways it broke before (issue #6), in about 2 s:
# 1. The lockfile is complete. `npm ci --dry-run` runs in a throwaway directory with an empty npm cache, as
#    on a fresh machine, so npm validates package-lock.json against the registry as it serves packages today:
#    a lockfile made behind a registry that hid optional platform packages fails here with npm's own
#    "Missing: …" lines, not later on someone's new machine.
# 2. With --installed: the Temporal SDK packages share one protobufjs. Nested copies make historyFromJSON fail
#    with "type must be a Type" on histories exported by the temporal CLI, so replay tests could not run.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$GANTRY_ROOT"

check_complete() {
  local dir out
  dir="$(mktemp -d)"
  out="$dir/npm.out"
  cp package.json package-lock.json "$dir/"
  if ! (cd "$dir" && npm_config_cache="$dir/cache" npm ci --dry-run --ignore-scripts --no-audit --no-fund) >"$out" 2>&1; then
    log "error: package-lock.json does not install on a fresh machine (npm ci --dry-run, empty cache):"
    sed -n '/^npm error Clean install a project/q;p' "$out" | grep -v -E '^npm (warn|error *$)' | head -n 40 >&2
    log "regenerate it with: npm install --package-lock-only"
    rm -rf "$dir"
    return 1
  fi
  rm -rf "$dir"
}

check_one_protobufjs() {
  # Resolved from each package's own directory, as its code resolves it at run time.
  node -e '
    const { createRequire } = require("node:module");
    const path = require("node:path");
    const seen = new Map();
    for (const pkg of ["@temporalio/common", "@temporalio/proto", "@temporalio/worker"]) {
      const from = createRequire(path.resolve("node_modules", pkg, "package.json"));
      const file = path.relative(process.cwd(), from.resolve("protobufjs/package.json"));
      seen.set(file, [...(seen.get(file) ?? []), pkg]);
    }
    if (seen.size !== 1) {
      console.error("gantry: error: the Temporal SDK packages load " + seen.size + " copies of protobufjs:");
      for (const [file, pkgs] of seen) console.error("  " + file + " <- " + pkgs.join(", "));
      console.error("gantry: pin protobufjs in package.json to the version they ask for, so npm hoists one copy");
      process.exit(1);
    }
  '
}

case "${1:-}" in
  --installed) check_one_protobufjs ;;
  "") check_complete ;;
  *) die "usage: check-lockfile.sh [--installed]" ;;
esac
