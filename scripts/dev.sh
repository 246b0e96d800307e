#!/usr/bin/env bash
# dev.sh - install the build dependencies, build, run the showcase and the tests.
#
#   bash scripts/dev.sh deps        install missing Debian/Ubuntu packages (apt-get, sudo if not root)
#   bash scripts/dev.sh showcase    deps + Release build in build/ + run examples/showcase
#   bash scripts/dev.sh test        deps + Release build in build/ + ctest
#   bash scripts/dev.sh test-asan   deps + Debug build in build-asan/ with AddressSanitizer,
#                                   UndefinedBehaviorSanitizer and -Werror + ctest
#   bash scripts/dev.sh test-tsan   deps + build in build-tsan/ with ThreadSanitizer + ctest
#   bash scripts/dev.sh bench [--quick]  Release build + bench/coro_bench; results, CSV and
#                                   plot into docs/bench/
#   bash scripts/dev.sh fuzz [seconds]   deps + clang-14/libFuzzer if missing + build in
#                                   build-fuzz/ with ASan + UBSan + fuzzer; fuzzes
#                                   coro_sink_options::parse for that long (default 60);
#                                   fails when the fuzzer finds a crash
#
# Every command is idempotent: it reuses an existing build directory and only installs the
# packages that are missing. Needs Debian 12 or Ubuntu 24.04 (spdlog >= 1.10); elsewhere,
# install the packages of `packages` below yourself. JOBS (default 2) sets the build parallelism.

set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="${JOBS:-2}"
packages=(cmake ninja-build g++ libspdlog-dev catch2 pkg-config)
# Only for the tests. The [rsyslog] tests start a private rsyslogd of their own (their own
# config, port and directory; never /etc/rsyslog.conf) and skip when it is missing. It is
# installed without starting a system daemon where no systemd runs (containers, CI), and
# never in place of another syslog daemon (rsyslog conflicts with syslog-ng and the like).
# python3-prometheus-client (45 kB) is the real Prometheus text parser one test validates
# the metrics export with; without it that test is skipped.
test_packages=(rsyslog python3-prometheus-client)

say() { printf '==> %s\n' "$*"; }
run() {
    printf '+ %s\n' "$*"
    "$@"
}

is_installed() {
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
}

# apt_install <apt-get install arguments...>: through sudo when not root.
apt_install() {
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        sudo=(sudo)
    fi
    run "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "$@"
}

# Without systemd (containers, CI), a package's maintainer scripts start its service through
# invoke-rc.d unless /usr/sbin/policy-rc.d forbids it (Docker images ship one that does):
# the rsyslog package would start a system rsyslogd from /etc/rsyslog.conf, which the tests
# neither need nor want. When there is no policy yet, one that denies every start is put in
# place for the duration of the install and removed afterwards. With systemd the package
# behaves as usual (rsyslog becomes the system logger, as on a default Debian install).
policy_rc=/usr/sbin/policy-rc.d
policy_marker='# temporary: spdlog-coro scripts/dev.sh deps'
remove_temporary_policy() {
    if [ -f "$policy_rc" ] && grep -qF "$policy_marker" "$policy_rc"; then
        local sudo=()
        if [ "$(id -u)" -ne 0 ]; then
            sudo=(sudo)
        fi
        run "${sudo[@]}" rm -f "$policy_rc"
    fi
}
install_without_starting_services() {
    if [ -d /run/systemd/system ] || [ -e "$policy_rc" ]; then
        apt_install "$@"
        return
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        sudo=(sudo)
    fi
    trap remove_temporary_policy EXIT
    printf '#!/bin/sh\n%s\nexit 101\n' "$policy_marker" |
        run "${sudo[@]}" install -m 755 /dev/stdin "$policy_rc"
    local status=0
    apt_install "$@" || status=$?
    remove_temporary_policy
    trap - EXIT
    return "$status"
}

# install_missing <package...>: installs those of the packages that are not installed yet
# (the fuzz command's compiler; the base and test packages go through deps).
install_missing() {
    if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
        say "not a Debian/Ubuntu system: make sure these are installed: $*"
        return 0
    fi
    local missing=() p
    for p in "$@"; do
        is_installed "$p" || missing+=("$p")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    say "installing missing packages: ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        sudo=(sudo)
    fi
    run "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    apt_install "${missing[@]}"
}

deps() {
    if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
        say "not a Debian/Ubuntu system: make sure these are installed: ${packages[*]}" \
            "(and, for the [rsyslog] tests, ${test_packages[*]})"
        return 0
    fi
    local missing=() missing_test=() p
    for p in "${packages[@]}"; do
        is_installed "$p" || missing+=("$p")
    done
    for p in "${test_packages[@]}"; do
        is_installed "$p" || missing_test+=("$p")
    done
    if [ "${#missing[@]}" -eq 0 ] && [ "${#missing_test[@]}" -eq 0 ]; then
        say "dependencies already installed: ${packages[*]} ${test_packages[*]}"
    else
        local sudo=()
        if [ "$(id -u)" -ne 0 ]; then
            sudo=(sudo)
        fi
        run "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    fi
    if [ "${#missing[@]}" -gt 0 ]; then
        say "installing missing packages: ${missing[*]}"
        apt_install "${missing[@]}"
    fi
    if [ "${#missing_test[@]}" -gt 0 ]; then
        say "installing missing test packages: ${missing_test[*]}"
        # --no-remove: rather no rsyslog (its tests skip) than a removed syslog daemon.
        if ! install_without_starting_services --no-remove "${missing_test[@]}"; then
            say "warning: could not install ${missing_test[*]} (it would remove a package," \
                "e.g. another syslog daemon): the [rsyslog] and Prometheus-validation tests will be skipped"
        fi
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

run_tests() {
    say "running the tests in $1/"
    # The packaging tests build small consumer projects: JOBS applies to them too.
    CMAKE_BUILD_PARALLEL_LEVEL="$jobs" run ctest --test-dir "$root/$1" --output-on-failure
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
    run_tests build-asan
}

cmd_test_tsan() {
    deps
    configure build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DSPDLOG_CORO_BUILD_TESTS=ON -DSPDLOG_CORO_BUILD_EXAMPLES=ON \
        -DSPDLOG_CORO_SANITIZE=thread -DSPDLOG_CORO_WERROR=ON
    build build-tsan
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
    say "TSAN_OPTIONS=$TSAN_OPTIONS"
    run_tests build-tsan
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
    # Only this command needs Clang and its libFuzzer runtime: not in the base packages.
    install_missing clang-14 libclang-rt-14-dev
    local cxx
    cxx="$(command -v clang++-14 || command -v clang++ || true)"
    if [ -z "$cxx" ]; then
        say "fuzz: clang++ not found; install clang-14 and libclang-rt-14-dev" >&2
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
}

usage() {
    sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

case "${1:-}" in
    deps) deps ;;
    showcase) cmd_showcase ;;
    test) cmd_test ;;
    test-asan) cmd_test_asan ;;
    test-tsan) cmd_test_tsan ;;
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
