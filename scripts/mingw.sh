#!/usr/bin/env bash
# mingw.sh - the Windows job: cross-build with MinGW-w64, run the suite under wine.
#
#   bash scripts/mingw.sh <spdlog-X.Y.Z.tar.gz>     (also: bash scripts/dev.sh test-mingw ...)
#
# 1. Installs what is missing, all Debian packages: g++-mingw-w64-x86-64-posix, wine64,
#    catch2 (v2, single header: the host's Catch2 v3 is a compiled library for the host),
#    libasio-dev (headers only, copied for the target), cmake, ninja-build.
# 2. Cross-builds spdlog from the tarball (static, its bundled fmt) into build-mingw-spdlog/,
#    with cmake/toolchains/mingw-w64-x86_64.cmake.
# 3. Cross-builds the library, the tests and the examples in build-mingw/ with -Werror, and
#    runs ctest there: every test program starts under wine (the toolchain's
#    CMAKE_CROSSCOMPILING_EMULATOR), with a WINEPREFIX of its own in build-mingw/wineprefix,
#    so nothing of the user's ~/.wine is read or changed. The wineserver of that prefix is
#    stopped at the end, whatever happened.
# Ends with the "==> result:" line of dev.sh. Needs Debian 12 or newer (wine 8 or newer).

set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib.sh
. "$root/scripts/lib.sh"
jobs="${JOBS:-2}"

tarball="${1:-}"
if [ -z "$tarball" ] || [ ! -f "$tarball" ]; then
    say "mingw.sh: needs the path of a spdlog release tarball (spdlog-X.Y.Z.tar.gz), got '$tarball'" >&2
    exit 2
fi
tarball="$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")"

install_missing g++-mingw-w64-x86-64-posix wine64 catch2 libasio-dev cmake ninja-build
toolchain="$root/cmake/toolchains/mingw-w64-x86_64.cmake"
catch2_header=/usr/include/catch2/catch.hpp
if [ ! -f "$catch2_header" ]; then
    say "mingw.sh: needs Catch2 v2's single header $catch2_header (Debian 12's catch2);" \
        "this release's catch2 package is v3, a compiled library for the host" >&2
    exit 1
fi

# wine: its own prefix in the build tree, no debugging chatter, no dialogs, no Mono or Gecko
# installers (the tests are console programs).
export WINEPREFIX="$root/build-mingw/wineprefix"
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="
wine="$(command -v wine64 || command -v wine || true)"
[ -n "$wine" ] || [ ! -x /usr/lib/wine/wine64 ] || wine=/usr/lib/wine/wine64
if [ -z "$wine" ]; then
    say "mingw.sh: wine64 not found after installing it" >&2
    exit 1
fi
export SPDLOG_CORO_WINE="$wine"
wineserver="$(command -v wineserver || true)"
[ -n "$wineserver" ] || [ ! -x /usr/lib/wine/wineserver64 ] || wineserver=/usr/lib/wine/wineserver64
stop_wine() {
    exec 8>&- # the keeper's end of input: cmd.exe exits
    if [ -n "$wineserver" ] && [ -d "$WINEPREFIX" ]; then
        "$wineserver" -k 2>/dev/null || true
    fi
}
trap stop_wine EXIT
mkdir -p "$WINEPREFIX"
say "wine: $("$wine" --version 2>/dev/null || echo unknown), WINEPREFIX=$WINEPREFIX"
"$wine" wineboot --init >/dev/null 2>&1 || true
# One Windows process alive for the whole run (cmd.exe reading a pipe this script holds
# open): wine then keeps its server and system processes (services.exe, ...) up between the
# test programs, instead of starting them for each and waiting for them to wind down after
# it, with ctest waiting on their inherited output: 2.5 s per test without it, 0.02 s with.
keeper="$WINEPREFIX/keeper.fifo"
rm -f "$keeper"
mkfifo "$keeper"
"$wine" cmd.exe <"$keeper" >/dev/null 2>&1 &
exec 8>"$keeper"

# spdlog for Windows, from its release source.
spdlog_dir="$root/build-mingw-spdlog"
stamp="$spdlog_dir/prefix/.installed-from"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$tarball" ]; then
    rm -rf "$spdlog_dir"
    mkdir -p "$spdlog_dir/source"
    run tar -xzf "$tarball" -C "$spdlog_dir/source" --strip-components=1
    run cmake -S "$spdlog_dir/source" -B "$spdlog_dir/build" -G Ninja \
        "-DCMAKE_TOOLCHAIN_FILE=$toolchain" -DCMAKE_BUILD_TYPE=Release \
        -DSPDLOG_BUILD_EXAMPLE=OFF -DSPDLOG_BUILD_TESTS=OFF -DSPDLOG_BUILD_BENCH=OFF \
        -DSPDLOG_INSTALL=ON "-DCMAKE_INSTALL_PREFIX=$spdlog_dir/prefix"
    run cmake --build "$spdlog_dir/build" --parallel "$jobs"
    run cmake --install "$spdlog_dir/build"
    printf '%s\n' "$tarball" >"$stamp"
fi

# Header-only libraries of the host, copied where the target's include search can see them
# (the host's /usr/include must never be on a MinGW include path).
headers="$root/build-mingw-headers"
mkdir -p "$headers/catch2"
cp "$catch2_header" "$headers/catch2/catch.hpp"
if [ -f /usr/include/asio.hpp ]; then
    cp -r /usr/include/asio.hpp /usr/include/asio "$headers/"
fi

generator=()
[ -f "$root/build-mingw/CMakeCache.txt" ] || generator=(-G Ninja)
say "configuring build-mingw/"
run cmake -S "$root" -B "$root/build-mingw" "${generator[@]}" \
    "-DCMAKE_TOOLCHAIN_FILE=$toolchain" -DCMAKE_BUILD_TYPE=Release -DSPDLOG_CORO_WERROR=ON \
    -DSPDLOG_CORO_BUILD_TESTS=ON -DSPDLOG_CORO_BUILD_EXAMPLES=ON \
    "-DCMAKE_PREFIX_PATH=$spdlog_dir/prefix" \
    "-DSPDLOG_CORO_CATCH2_SINGLE_HEADER_DIR=$headers" \
    "-DASIO_INCLUDE_DIR=$headers"
say "building build-mingw/"
run cmake --build "$root/build-mingw" --parallel "$jobs"

info_label="Windows x64, MinGW-w64 under $("$wine" --version 2>/dev/null || echo wine)"
run_tests build-mingw "$info_label"
