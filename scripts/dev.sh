#!/usr/bin/env bash
# dev.sh - install the build dependencies, build, run the showcase and the tests.
#
#   bash scripts/dev.sh deps        install missing Debian/Ubuntu packages (apt-get, sudo if not root)
#   bash scripts/dev.sh showcase    deps + Release build in build/ + run examples/showcase
#   bash scripts/dev.sh test        deps + Release build in build/ + ctest
#   bash scripts/dev.sh test-asan   deps + Debug build in build-asan/ with AddressSanitizer,
#                                   UndefinedBehaviorSanitizer and -Werror + ctest
#   bash scripts/dev.sh test-tsan   deps + build in build-tsan/ with ThreadSanitizer + ctest
#   bash scripts/dev.sh test-header-only
#                                   deps + Release build in build-header-only/ against spdlog's
#                                   header-only target (spdlog::spdlog_header_only) + ctest
#   bash scripts/dev.sh test-spdlog-source <spdlog-X.Y.Z.tar.gz> [--std-format]
#                                   builds that spdlog release (static, bundled fmt; with
#                                   --std-format: SPDLOG_USE_STD_FORMAT=ON) into a scratch
#                                   prefix, then a Release build against it + ctest
#   bash scripts/dev.sh test-mingw <spdlog-X.Y.Z.tar.gz>
#                                   cross-builds spdlog, the library, the tests and examples
#                                   with MinGW-w64 and runs them under wine (Debian packages)
#   bash scripts/dev.sh bench [--quick]  Release build + bench/coro_bench; results, CSV and
#                                   plot into docs/bench/
#   bash scripts/dev.sh fuzz [seconds]   deps + the release's Clang and libFuzzer if missing +
#                                   build in build-fuzz/ with ASan + UBSan + fuzzer; fuzzes
#                                   coro_sink_options::parse for that long (default 60);
#                                   fails when the fuzzer finds a crash
#
# Every command is idempotent: it reuses an existing build directory and only installs the
# packages that are missing. Needs Debian 12 or newer, or Ubuntu 24.04 (spdlog >= 1.10);
# elsewhere, install the packages of `packages` below yourself. JOBS (default 2) sets the
# build parallelism; CXX picks the compiler of a new build directory, as with CMake.
# Every test command ends with one "==> result:" line: platform, compiler, spdlog, fmt,
# Catch2, tests passed / total.

set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib.sh
. "$root/scripts/lib.sh"
jobs="${JOBS:-2}"
packages=(cmake ninja-build g++ libspdlog-dev catch2 pkg-config)
# Only for the tests. The [rsyslog] tests start a private rsyslogd of their own (their own
# config, port and directory; never /etc/rsyslog.conf) and skip when it is missing. It is
# installed without starting a system daemon where no systemd runs (containers, CI), and
# never in place of another syslog daemon (rsyslog conflicts with syslog-ng and the like:
# --no-remove). python3-prometheus-client (45 kB) is the real Prometheus text parser one
# test validates the metrics export with; without it that test is skipped.
test_packages=(rsyslog python3-prometheus-client libasio-dev)

deps() {
    if ! have_apt; then
        say "not a Debian/Ubuntu system: make sure these are installed: ${packages[*]}" \
            "(and, for the [rsyslog] tests, ${test_packages[*]})"
        return 0
    fi
    install_missing "${packages[@]}"
    if ! install_missing --no-remove --no-services "${test_packages[@]}"; then
        say "warning: could not install ${test_packages[*]} (it would remove a package," \
            "e.g. another syslog daemon): the [rsyslog] and Prometheus-validation tests will be skipped"
    fi
    local spdlog_version
    spdlog_version="$(dpkg-query -W -f='${Version}' libspdlog-dev)"
    if ! dpkg --compare-versions "$spdlog_version" ge '1:1.10'; then
        say "warning: libspdlog-dev $spdlog_version is older than 1.10, which spdlog-coro needs" \
            "(Ubuntu 22.04 ships 1.9.2; Debian 12 and Ubuntu 24.04 are fine)." \
            "Install spdlog >= 1.10 and pass its prefix in CMAKE_PREFIX_PATH."
    fi
}

# configure <build dir> <cmake -D arguments...>: configures with Ninja the first time, and
# keeps the generator of an existing build directory.
configure() {
    local dir="$1"
    shift
    local generator=()
    if [ ! -f "$root/$dir/CMakeCache.txt" ]; then
        generator=(-G Ninja)
    fi
    say "configuring $dir/"
    run cmake -S "$root" -B "$root/$dir" "${generator[@]}" "$@"
}

# build <build dir> [cmake --build arguments...]
build() {
    local dir="$1"
    shift
    say "building $dir/"
    run cmake --build "$root/$dir" --parallel "$jobs" "$@"
}

configure_release() {
    configure build -DCMAKE_BUILD_TYPE=Release -DSPDLOG_CORO_WERROR=ON \
        -DSPDLOG_CORO_BUILD_TESTS=ON -DSPDLOG_CORO_BUILD_EXAMPLES=ON -DSPDLOG_CORO_BUILD_BENCH=ON
}

cmd_showcase() {
    deps
    configure_release
    build build --target showcase
    say "running examples/showcase"
    run "$root/build/examples/showcase"
}

cmd_test() {
    deps
    configure_release
    build build
    run_tests build
}

cmd_test_asan() {
    deps
    configure build-asan -DCMAKE_BUILD_TYPE=Debug \
        -DSPDLOG_CORO_BUILD_TESTS=ON -DSPDLOG_CORO_BUILD_EXAMPLES=ON \
        -DSPDLOG_CORO_SANITIZE=address,undefined -DSPDLOG_CORO_WERROR=ON
    build build-asan
    export ASAN_OPTIONS="halt_on_error=1:print_stacktrace=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
    export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
    say "ASAN_OPTIONS=$ASAN_OPTIONS"
    say "UBSAN_OPTIONS=$UBSAN_OPTIONS"
    run_tests build-asan "$(platform), ASan+UBSan"
}

cmd_test_tsan() {
    deps
    configure build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DSPDLOG_CORO_BUILD_TESTS=ON -DSPDLOG_CORO_BUILD_EXAMPLES=ON \
        -DSPDLOG_CORO_SANITIZE=thread -DSPDLOG_CORO_WERROR=ON
    build build-tsan
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
    say "TSAN_OPTIONS=$TSAN_OPTIONS"
    run_tests build-tsan "$(platform), TSan"
}

cmd_test_header_only() {
    deps
    configure build-header-only -DCMAKE_BUILD_TYPE=Release -DSPDLOG_CORO_WERROR=ON \
        -DSPDLOG_CORO_BUILD_TESTS=ON -DSPDLOG_CORO_BUILD_EXAMPLES=ON \
        -DSPDLOG_CORO_SPDLOG_HEADER_ONLY=ON
    build build-header-only
    run_tests build-header-only "$(platform), spdlog::spdlog_header_only"
}

# spdlog_tarball <path>: checks the argument of the commands that build spdlog from source;
# prints the absolute path.
spdlog_tarball() {
    local tarball="${1:-}"
    if [ -z "$tarball" ] || [ ! -f "$tarball" ]; then
        say "needs the path of a spdlog release tarball (spdlog-X.Y.Z.tar.gz), got '$tarball'" >&2
        return 2
    fi
    (cd "$(dirname "$tarball")" && printf '%s/%s\n' "$(pwd)" "$(basename "$tarball")")
}

# build_spdlog <tarball> <build dir> <cmake arguments...>: unpacks the tarball into
# <build dir>/source, builds it (static, its bundled fmt) and installs it into
# <build dir>/prefix. Skipped when that prefix was installed from the same tarball already.
build_spdlog() {
    local tarball="$1" dir="$2"
    shift 2
    local stamp="$root/$dir/prefix/.installed-from"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$tarball $*" ]; then
        say "spdlog already installed in $dir/prefix from $(basename "$tarball")"
        return 0
    fi
    rm -rf "${root:?}/$dir"
    mkdir -p "$root/$dir/source"
    run tar -xzf "$tarball" -C "$root/$dir/source" --strip-components=1
    run cmake -S "$root/$dir/source" -B "$root/$dir/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DSPDLOG_BUILD_EXAMPLE=OFF -DSPDLOG_BUILD_TESTS=OFF -DSPDLOG_BUILD_BENCH=OFF \
        -DSPDLOG_INSTALL=ON "-DCMAKE_INSTALL_PREFIX=$root/$dir/prefix" "$@"
    run cmake --build "$root/$dir/build" --parallel "$jobs"
    run cmake --install "$root/$dir/build"
    printf '%s\n' "$tarball $*" >"$stamp"
}

cmd_test_spdlog_source() {
    local tarball std_format=false
    tarball="$(spdlog_tarball "${1:-}")"
    [ "${2:-}" = "--std-format" ] && std_format=true
    deps
    local variant=spdlog-source spdlog_args=()
    if $std_format; then
        variant=spdlog-std-format
        spdlog_args=(-DSPDLOG_USE_STD_FORMAT=ON)
    fi
    build_spdlog "$tarball" "build-$variant-spdlog" "${spdlog_args[@]}"
    configure "build-$variant" -DCMAKE_BUILD_TYPE=Release -DSPDLOG_CORO_WERROR=ON \
        -DSPDLOG_CORO_BUILD_TESTS=ON -DSPDLOG_CORO_BUILD_EXAMPLES=ON \
        "-DCMAKE_PREFIX_PATH=$root/build-$variant-spdlog/prefix"
    build "build-$variant"
    local label="$(platform), spdlog from $(basename "$tarball")"
    $std_format && label+=" with SPDLOG_USE_STD_FORMAT"
    run_tests "build-$variant" "$label"
}

cmd_test_mingw() {
    bash "$root/scripts/mingw.sh" "$@"
}

# bench [coro_bench arguments...]: Release build, then the benchmark; writes the table to
# docs/bench/results.txt, the CSV to docs/bench/results.csv and the plot to
# docs/bench/results.svg.
cmd_bench() {
    deps
    configure_release
    build build --target coro_bench
    mkdir -p "$root/docs/bench"
    say "running bench/coro_bench $* (several minutes; the machine should be otherwise idle)"
    "$root/build/bench/coro_bench" --csv "$root/docs/bench/results.csv" "$@" |
        tee "$root/docs/bench/results.txt"
    run python3 "$root/bench/plot.py" "$root/docs/bench/results.csv" "$root/docs/bench/results.svg"
}

# fuzz [seconds]: libFuzzer on coro_sink_options::parse (tests/fuzz/). The fuzzer works on a
# corpus in build-fuzz/ (the seeds of tests/fuzz/corpus/ copied in, plus what earlier runs
# found), so the source tree is never written. A crash, a sanitizer report or a broken
# property makes the fuzzer exit non-zero, and this command with it; the input that did it is
# saved in build-fuzz/fuzz-artifacts/.
cmd_fuzz() {
    local seconds="${1:-60}"
    if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
        say "fuzz: the duration must be a whole number of seconds (got '$seconds')" >&2
        return 2
    fi
    deps
    # Only this command needs Clang and its libFuzzer runtime: the release's default ones
    # (clang-14 on Debian 12, clang-19 on Debian 13), through the unversioned packages.
    install_missing clang libclang-rt-dev
    local cxx
    cxx="$(command -v clang++ || true)"
    if [ -z "$cxx" ]; then
        say "fuzz: clang++ not found; install clang and libclang-rt-dev" >&2
        return 1
    fi
    configure build-fuzz -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DSPDLOG_CORO_BUILD_FUZZ=ON -DSPDLOG_CORO_BUILD_TESTS=OFF \
        -DSPDLOG_CORO_BUILD_EXAMPLES=OFF -DSPDLOG_CORO_INSTALL=OFF \
        -DSPDLOG_CORO_SANITIZE=address,undefined -DSPDLOG_CORO_WERROR=ON
    build build-fuzz --target fuzz_options_parse
    local work="$root/build-fuzz/fuzz-corpus" artifacts="$root/build-fuzz/fuzz-artifacts"
    mkdir -p "$work"
    rm -rf "$artifacts"
    mkdir -p "$artifacts"
    cp "$root"/tests/fuzz/corpus/* "$work"/
    export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
    export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
    say "fuzzing coro_sink_options::parse for $seconds s"
    run "$root/build-fuzz/tests/fuzz/fuzz_options_parse" -max_total_time="$seconds" \
        -dict="$root/tests/fuzz/options.dict" -artifact_prefix="$artifacts/" \
        -print_final_stats=1 "$work"
    if [ -n "$(ls -A "$artifacts")" ]; then
        say "fuzz: the fuzzer left inputs in $artifacts:" >&2
        ls -l "$artifacts" >&2
        return 1
    fi
    say "fuzz: no crash in $seconds s; corpus: $(find "$work" -type f | wc -l) inputs in $work"
    say "result: $(platform), $("$cxx" --version | head -n 1), libFuzzer | fuzz_options_parse: $seconds s, 0 crashes"
}

usage() {
    sed -n '2,36p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

case "${1:-}" in
    deps) deps ;;
    showcase) cmd_showcase ;;
    test) cmd_test ;;
    test-asan) cmd_test_asan ;;
    test-tsan) cmd_test_tsan ;;
    test-header-only) cmd_test_header_only ;;
    test-spdlog-source)
        shift
        cmd_test_spdlog_source "$@"
        ;;
    test-mingw)
        shift
        cmd_test_mingw "$@"
        ;;
    bench)
        shift
        cmd_bench "$@"
        ;;
    fuzz)
        shift
        cmd_fuzz "$@"
        ;;
    -h | --help | help) usage ;;
    *)
        usage >&2
        exit 2
        ;;
esac
