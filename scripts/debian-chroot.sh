#!/usr/bin/env bash
# debian-chroot.sh - run a command on a copy of this checkout in a Debian chroot of a release.
#
#   bash scripts/debian-chroot.sh <release> [options] [--] [command...]
#
#   <release>            a Debian codename debootstrap knows: trixie (13), sid, bookworm (12), ...
#   command              run in the copy (/src in the chroot) with bash -c semantics for its
#                        words; default: bash scripts/dev.sh test
#   --packages "a b"     more Debian packages of that release to install first
#   --bind HOST:GUEST    bind-mount HOST read-only at GUEST inside the chroot (repeatable)
#   --keep-build         keep the build directories of the previous copy (local iteration);
#                        by default /src is a fresh copy every run
#
# The chroot is made once per machine with `debootstrap --variant=minbase` from the mirror apt
# is configured with (read from apt's sources, see debian_mirror in lib.sh; never written into
# the project), then the release's own packages are installed with its apt: libspdlog-dev,
# catch2, the release's default GCC and Clang, CMake, rsyslog, ... (`packages` below). Later
# runs reuse it and only install packages that are missing. A chroot is only used once it was
# made completely (it is built under another name and renamed at the end), so an interrupted
# run leaves nothing half made behind; a lock keeps two runs from preparing one chroot at once.
#
# Inside: no service is ever started (a policy-rc.d that denies every start), apt ignores the
# Release files' Valid-Until (sid's can be past it by this machine's clock), and the command
# runs in a private mount namespace (unshare --mount): /proc, /dev and /sys are mounted for it
# and vanish with it, so nothing stays mounted, whatever happens. Needs root (sudo otherwise),
# debootstrap (installed when missing) and about 1.5 GB per release.
#
# Environment: SPDLOG_CORO_CHROOT_DIR (default /var/tmp/spdlog-coro-chroots) holds the chroots;
# SPDLOG_CORO_DEBIAN_MIRROR overrides the mirror. JOBS and every SPDLOG_CORO_* variable are
# passed through to the command.

set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib.sh
. "$root/scripts/lib.sh"

usage() {
    sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

if [ $# -lt 1 ] || [[ "$1" == -* ]]; then
    usage >&2
    exit 2
fi
release="$1"
shift
if ! [[ "$release" =~ ^[a-z]+$ ]]; then
    say "debian-chroot: '$release' is not a Debian codename (trixie, sid, bookworm, ...)" >&2
    exit 2
fi

extra_packages=()
binds=()
keep_build=false
while [ $# -gt 0 ]; do
    case "$1" in
        --packages)
            read -r -a more <<<"${2:?--packages needs a list}"
            extra_packages+=("${more[@]}")
            shift 2
            ;;
        --bind)
            binds+=("${2:?--bind needs HOST:GUEST}")
            shift 2
            ;;
        --keep-build)
            keep_build=true
            shift
            ;;
        --)
            shift
            break
            ;;
        *) break ;;
    esac
done
command=("$@")
[ "${#command[@]}" -gt 0 ] || command=(bash scripts/dev.sh test)

if [ "$(id -u)" -ne 0 ]; then
    exec sudo --preserve-env=JOBS,SPDLOG_CORO_CHROOT_DIR,SPDLOG_CORO_DEBIAN_MIRROR \
        bash "${BASH_SOURCE[0]}" "$release" "$@"
fi

# What every job needs, from the release itself. The compilers are the release's defaults
# (g++, clang), with the sanitizer and libFuzzer runtimes of its Clang (libclang-rt-dev).
packages=(cmake ninja-build g++ clang libclang-rt-dev libspdlog-dev catch2 pkg-config
    rsyslog python3 python3-prometheus-client dpkg-dev file lintian xz-utils)
packages+=("${extra_packages[@]}")

base="${SPDLOG_CORO_CHROOT_DIR:-/var/tmp/spdlog-coro-chroots}"
dir="$base/$release"
mkdir -p "$base"

install_missing debootstrap

chroot_env=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive)

# in_chroot <dir> <command...>: runs the command in the chroot at <dir>, in a private mount
# namespace with /proc, /dev, /sys (and the --bind mounts) mounted. Returns its status.
in_chroot() {
    local target="$1"
    shift
    local mounts="" b host guest
    for b in "${binds[@]}"; do
        host="${b%%:*}"
        guest="${b#*:}"
        [ -e "$host" ] || {
            say "debian-chroot: --bind: $host does not exist" >&2
            return 2
        }
        mounts+="mkdir -p '$target/$guest' && mount --bind '$host' '$target/$guest' &&"
        mounts+=" mount -o remount,bind,ro '$target/$guest' && "
    done
    # --propagation private: no mount made here reaches the host's namespace, and all of
    # them end with the namespace.
    unshare --mount --propagation private -- bash -c "
        set -e
        mount -t proc proc '$target/proc'
        mount --rbind /dev '$target/dev'
        mount -t sysfs -o ro sysfs '$target/sys'
        $mounts true
        exec chroot '$target' \"\$@\"
    " bash "${chroot_env[@]}" "$@"
}

make_chroot() {
    local mirror new="$dir.new"
    if ! mirror="$(debian_mirror)"; then
        say "debian-chroot: no Debian mirror in this machine's apt sources; set" \
            "SPDLOG_CORO_DEBIAN_MIRROR to one" >&2
        return 1
    fi
    rm -rf "$new"
    say "making a Debian $release chroot in $dir (debootstrap --variant=minbase)"
    local started=$SECONDS
    run debootstrap --variant=minbase "$release" "$new" "$mirror" >"$base/$release.debootstrap.log" 2>&1 || {
        tail -n 20 "$base/$release.debootstrap.log" >&2
        return 1
    }
    # Services are never started in the chroot; apt there trusts a Release file past its
    # Valid-Until (sid's can be, by this machine's clock) and installs no recommends.
    printf '#!/bin/sh\n# spdlog-coro debian-chroot.sh: no services in this chroot\nexit 101\n' \
        >"$new/usr/sbin/policy-rc.d"
    chmod 755 "$new/usr/sbin/policy-rc.d"
    cat >"$new/etc/apt/apt.conf.d/99spdlog-coro" <<'EOF'
// spdlog-coro debian-chroot.sh
Acquire::Check-Valid-Until "false";
APT::Install-Recommends "false";
APT::Install-Suggests "false";
EOF
    say "debootstrap took $((SECONDS - started)) s"
    mv "$new" "$dir"
}

install_packages() {
    local missing=() p
    for p in "${packages[@]}"; do
        chroot "$dir" dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' ||
            missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    say "installing in the $release chroot: ${missing[*]}"
    local started=$SECONDS
    cp /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
    in_chroot "$dir" apt-get update -q >/dev/null
    in_chroot "$dir" apt-get install -y -q "${missing[@]}" >"$base/$release.apt.log" 2>&1 || {
        tail -n 30 "$base/$release.apt.log" >&2
        return 1
    }
    say "packages took $((SECONDS - started)) s"
}

# One preparation at a time per release; the command itself runs outside the lock (on its
# own copy of the checkout).
exec 9>"$base/$release.lock"
flock 9
[ -d "$dir" ] || make_chroot
install_packages
flock -u 9

# A copy of the checkout: what git tracks plus untracked files that are not ignored, so
# local changes are tried too. Build directories of the host are never copied.
src="$dir/src"
if $keep_build && [ -d "$src" ]; then
    find "$src" -mindepth 1 -maxdepth 1 ! -name 'build*' -exec rm -rf {} +
else
    rm -rf "$src"
fi
mkdir -p "$src"
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$root" ls-files -z --cached --others --exclude-standard |
        (cd "$root" && xargs -0 -r stat --printf '%n\0' 2>/dev/null || true) |
        tar -C "$root" --null -T - -cf - | tar -C "$src" -xf -
else
    tar -C "$root" --exclude='./build*' -cf - . | tar -C "$src" -xf -
fi

pass_env=()
while IFS='=' read -r name _; do
    case "$name" in
        JOBS | SPDLOG_CORO_*) pass_env+=("$name=${!name}") ;;
    esac
done < <(env)

say "running in the $release chroot: ${command[*]}"
in_chroot "$dir" "${pass_env[@]}" bash -c 'cd /src && exec "$@"' bash "${command[@]}"
