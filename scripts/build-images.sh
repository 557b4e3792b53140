#!/usr/bin/env bash
# Builds the local images Gantry's tests and example need, without any registry:
#   gantry/busybox      FROM scratch + Debian's busybox-static and its applet links (tests)
#   gantry/python       Debian bookworm minbase + python3 + numpy, via debootstrap (tests, example base)
#   gantry/ml-example   examples/ml-pipeline/*.py on gantry/python
# Each image carries a gantry.recipe label (a hash of what it is built from) and is rebuilt only when that
# hash changes. The python rootfs tarball is cached under ~/.cache/gantry/images/, so a lost image is
# re-imported in seconds instead of re-debootstrapped.
#
# Usage: scripts/build-images.sh [--only busybox,python,ml-example] [-v]
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ALL_IMAGES=(busybox python ml-example)
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR="${GANTRY_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
IMAGE_CACHE="$GANTRY_CACHE/images"
RECIPE_LABEL=gantry.recipe

usage() { sed -n '2,11s/^# \{0,1\}//p' "$0" >&2; exit "${1:-0}"; }

selected=("${ALL_IMAGES[@]}")
while (($#)); do
  case "$1" in
    --only)
      [[ $# -ge 2 ]] || usage 2
      IFS=, read -r -a selected <<<"$2"
      shift 2
      ;;
    --only=*) IFS=, read -r -a selected <<<"${1#--only=}"; shift ;;
    -v | --verbose) GANTRY_VERBOSE=1; shift ;;
    -h | --help) usage 0 ;;
    *) log "unknown option: $1"; usage 2 ;;
  esac
done
for name in "${selected[@]}"; do
  [[ " ${ALL_IMAGES[*]} " == *" $name "* ]] || die "--only: unknown image \"$name\" (known: ${ALL_IMAGES[*]})"
done

image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }

# drop_replaced OLD_ID IMAGE: removes the image IMAGE used to name before a rebuild (now untagged), so
# rebuilds do not pile up dangling images. Fails quietly when something still uses it.
drop_replaced() {
  [[ -n "$1" && "$1" != "$(image_id "$2")" ]] || return 0
  docker rmi "$1" >/dev/null 2>&1 || true
}

image_recipe() { docker image inspect -f "{{index .Config.Labels \"$RECIPE_LABEL\"}}" "$1" 2>/dev/null || true; }
sha() { sha256sum | cut -c1-16; }

# ---- gantry/busybox ---------------------------------------------------------------------------------------

BUSYBOX_BIN=/bin/busybox

# Debian's plain `busybox` package is dynamically linked and useless in a FROM-scratch image.
is_dynamic() { ldd "$1" >/dev/null 2>&1; }

# find_static_busybox: sets BUSYBOX_BIN to a static busybox: the host's if it is one, else the binary from
# Debian's busybox-static .deb, unpacked into the cache rather than installed (installing it would replace a
# host busybox that initramfs-tools may depend on).
find_static_busybox() {
  local dir="$GANTRY_CACHE/busybox-static" deb
  if [[ -x "$BUSYBOX_BIN" ]] && ! is_dynamic "$BUSYBOX_BIN"; then return; fi
  BUSYBOX_BIN="$dir/bin/busybox"
  [[ -x "$BUSYBOX_BIN" ]] && return
  [[ "${GANTRY_DRY_RUN:-0}" == 1 ]] && { log "dry run: would fetch busybox-static with apt-get download"; exit 3; }
  mkdir -p "$dir/deb"
  if ! (cd "$dir/deb" && run_logged apt apt-get download busybox-static); then
    is_root && apt_update
    (cd "$dir/deb" && run_logged apt apt-get download busybox-static) || die "could not download busybox-static"
  fi
  deb="$(find "$dir/deb" -name 'busybox-static_*.deb' | head -n 1)"
  dpkg-deb -x "$deb" "$dir/root"
  mkdir -p "$dir/bin"
  cp "$dir/root/bin/busybox" "$BUSYBOX_BIN"
  rm -rf "$dir/deb" "$dir/root"
  log "using busybox-static from Debian's archive: $BUSYBOX_BIN"
}

# busybox_rootfs DIR: the whole recipe; its source text is part of the image hash.
busybox_rootfs() {
  local dir="$1" path
  mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,proc,sys,dev,workspace}
  cp "$BUSYBOX_BIN" "$dir/bin/busybox"
  while IFS= read -r path; do
    [[ "$path" == bin/busybox ]] || ln -sf /bin/busybox "$dir/$path"
  done < <("$BUSYBOX_BIN" --list-full)
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$dir/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$dir/etc/group"
  chmod 1777 "$dir/tmp"
  chmod 700 "$dir/root"
}

build_busybox() {
  local image=gantry/busybox:latest hash dir old
  find_static_busybox
  hash="$({ declare -f busybox_rootfs; sha256sum <"$BUSYBOX_BIN"; } | sha)"
  if [[ "$(image_recipe "$image")" == "$hash" ]]; then log "$image is up to date ($hash)"; return; fi
  log "building $image ($hash)"
  old="$(image_id "$image")"
  dir="$(mktemp -d "${TMPDIR:-/tmp}/gantry-busybox.XXXXXX")"
  busybox_rootfs "$dir"
  tar --numeric-owner --owner=0 --group=0 -C "$dir" -c . |
    run_logged images docker import \
      --change "ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin" \
      --change 'CMD ["sh"]' \
      --change "LABEL $RECIPE_LABEL=$hash" \
      - "$image"
  rm -rf "$dir"
  drop_replaced "$old" "$image"
  log "$image built"
}

# ---- gantry/python ----------------------------------------------------------------------------------------

PYTHON_PACKAGES=python3,python3-numpy

# python_rootfs_clean DIR: trims a debootstrapped rootfs; its source text is part of the image hash.
python_rootfs_clean() {
  local dir="$1"
  rm -rf "${dir:?}"/var/lib/apt/lists/* "${dir:?}"/var/cache/apt/* "${dir:?}"/var/cache/debconf/*-old \
    "${dir:?}"/usr/share/doc/* "${dir:?}"/usr/share/man/* "${dir:?}"/usr/share/info/* "${dir:?}"/usr/share/lintian \
    "${dir:?}"/var/log/* "${dir:?}"/dev/* "${dir:?}"/tmp/* "${dir:?}"/run/* "${dir:?}"/root/.cache
  find "$dir" -xdev -name __pycache__ -type d -prune -exec rm -rf {} +
  mkdir -p "$dir/workspace"
}

PYTHON_IMPORT_CHANGES=(
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  --change 'ENV LANG=C.UTF-8'
  --change 'ENV PYTHONUNBUFFERED=1'
  --change 'ENV PYTHONDONTWRITEBYTECODE=1'
  --change 'CMD ["python3"]'
)

python_hash() {
  { echo "$DEBIAN_SUITE minbase $PYTHON_PACKAGES"; declare -f python_rootfs_clean; printf '%s\n' "${PYTHON_IMPORT_CHANGES[@]}"; } | sha
}

# umount_below DIR: debootstrap mounts /proc and /sys inside the target; never rm -rf across a live mount.
umount_below() {
  local m
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(awk -v d="$1" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)
}

build_python() {
  local image=gantry/python:latest hash tarball dir start old
  hash="$(python_hash)"
  if [[ "$(image_recipe "$image")" == "$hash" ]]; then log "$image is up to date ($hash)"; return; fi
  tarball="$IMAGE_CACHE/python-$DEBIAN_SUITE-$hash.tar"
  if [[ ! -f "$tarball" ]]; then
    have debootstrap || apt_install debootstrap
    is_root || die "debootstrap needs root to build $image"
    mkdir -p "$IMAGE_CACHE"
    dir="$(mktemp -d "${TMPDIR:-/var/tmp}/gantry-python.XXXXXX")"
    # shellcheck disable=SC2064 # expand $dir now
    trap "umount_below '$dir'; rm -rf --one-file-system '$dir' '$tarball.part'" EXIT
    log "debootstrapping $DEBIAN_SUITE + $PYTHON_PACKAGES for $image (first build only, 1-3 min)"
    start=$(date +%s)
    run_logged images debootstrap --variant=minbase --include="$PYTHON_PACKAGES" "$DEBIAN_SUITE" "$dir" "$DEBIAN_MIRROR"
    umount_below "$dir"
    python_rootfs_clean "$dir"
    tar --numeric-owner -C "$dir" -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
    umount_below "$dir"
    rm -rf --one-file-system "$dir"
    trap - EXIT
    find "$IMAGE_CACHE" -maxdepth 1 -name "python-*.tar" ! -name "${tarball##*/}" -delete
    log "rootfs built in $(elapsed_since "$start") s, cached at $tarball ($(du -m "$tarball" | cut -f1) MiB)"
  fi
  log "importing $image from $tarball"
  old="$(image_id "$image")"
  start=$(date +%s)
  run_logged images docker import "${PYTHON_IMPORT_CHANGES[@]}" --change "LABEL $RECIPE_LABEL=$hash" "$tarball" "$image"
  drop_replaced "$old" "$image"
  log "$image imported in $(elapsed_since "$start") s"
}

# ---- gantry/ml-example ------------------------------------------------------------------------------------

build_ml_example() {
  local image=gantry/ml-example:latest context="$GANTRY_ROOT/examples/ml-pipeline" base hash old
  base="$(docker image inspect -f '{{.Id}}' gantry/python:latest 2>/dev/null)" ||
    die "$image needs gantry/python:latest; run scripts/build-images.sh --only python,ml-example"
  hash="$(cd "$context" && { echo "$base"; cat Dockerfile ./*.py; } | sha)"
  if [[ "$(image_recipe "$image")" == "$hash" ]]; then log "$image is up to date ($hash)"; return; fi
  log "building $image ($hash)"
  old="$(image_id "$image")"
  # The legacy builder resolves a local FROM image without contacting any registry.
  DOCKER_BUILDKIT=0 run_logged images docker build --label "$RECIPE_LABEL=$hash" -t "$image" "$context"
  drop_replaced "$old" "$image"
  log "$image built"
}

# -----------------------------------------------------------------------------------------------------------

# up.sh has just checked the engine; standalone, make sure one answers.
[[ "${GANTRY_DOCKER_CHECKED:-0}" == 1 ]] || bash "$GANTRY_ROOT/scripts/ensure-docker.sh"
with_lock images
for name in "${ALL_IMAGES[@]}"; do
  [[ " ${selected[*]} " == *" $name "* ]] || continue
  case "$name" in
    busybox) build_busybox ;;
    python) build_python ;;
    ml-example) build_ml_example ;;
  esac
done
