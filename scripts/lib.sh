# lib.sh - shell helpers shared by scripts/dev.sh, scripts/debian-chroot.sh and .ci/run.
#
# Sourced, not run. Defines:
#   say <words...>                 a "==> " progress line
#   run <command...>               prints the command, then runs it
#   as_root <command...>           runs it as root: directly when root, else through sudo
#   is_installed <package>         the Debian package is installed
#   install_missing [--no-remove] [--no-services] <package...>
#                                  apt-get installs those not installed yet (one apt-get
#                                  update first); --no-services keeps maintainer scripts from
#                                  starting daemons where no systemd runs (see below)
#   debian_mirror                  the Debian mirror apt on this machine is configured with
#   platform                       the distribution and release this runs on
#   run_tests <build dir> [label]  ctest in $root/<build dir>, then the "==> result:" line
# Needs bash 4 and, for the package helpers, dpkg and apt-get (Debian, Ubuntu).

say() { printf '==> %s\n' "$*"; }

run() {
    printf '+ %s\n' "$*"
    "$@"
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo "$@"
    fi
}

is_installed() {
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
}

have_apt() {
    command -v dpkg >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1
}

# Without systemd (containers, chroots, CI), a package's maintainer scripts start its service
# through invoke-rc.d unless /usr/sbin/policy-rc.d forbids it (Docker images ship one that
# does): the rsyslog package would start a system rsyslogd from /etc/rsyslog.conf, which the
# tests neither need nor want. When there is no policy yet, one that denies every start is put
# in place for the duration of the install and removed afterwards. With systemd the package
# behaves as usual (rsyslog becomes the system logger, as on a default Debian install).
lib_policy_rc=/usr/sbin/policy-rc.d
lib_policy_marker='# temporary: spdlog-coro scripts/lib.sh install_missing'
lib_remove_temporary_policy() {
    if [ -f "$lib_policy_rc" ] && grep -qF "$lib_policy_marker" "$lib_policy_rc"; then
        run as_root rm -f "$lib_policy_rc"
    fi
}

install_missing() {
    local apt_args=() no_services=false
    while [ $# -gt 0 ]; do
        case "$1" in
            --no-remove) apt_args+=(--no-remove) ;;
            --no-services) no_services=true ;;
            *) break ;;
        esac
        shift
    done
    if ! have_apt; then
        say "not a Debian/Ubuntu system: make sure these are installed: $*"
        return 0
    fi
    local missing=() p
    for p in "$@"; do
        is_installed "$p" || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    say "installing missing packages: ${missing[*]}"
    run as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    local temporary_policy=false status=0
    if $no_services && [ ! -d /run/systemd/system ] && [ ! -e "$lib_policy_rc" ]; then
        temporary_policy=true
        trap lib_remove_temporary_policy EXIT
        printf '#!/bin/sh\n%s\nexit 101\n' "$lib_policy_marker" |
            run as_root install -m 755 /dev/stdin "$lib_policy_rc"
    fi
    run as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${apt_args[@]}" "${missing[@]}" ||
        status=$?
    if $temporary_policy; then
        lib_remove_temporary_policy
        trap - EXIT
    fi
    return "$status"
}

# The URI of the first apt source of this machine that serves its own release's "main"
# component: the Debian mirror it is configured with (deb822 .sources files and one-line
# .list files). Read, never written into a file of the project: the mirror is the machine's
# business. SPDLOG_CORO_DEBIAN_MIRROR overrides it (needed on Ubuntu and other non-Debian
# hosts, whose sources serve no Debian release).
debian_mirror() {
    if [ -n "${SPDLOG_CORO_DEBIAN_MIRROR:-}" ]; then
        printf '%s\n' "$SPDLOG_CORO_DEBIAN_MIRROR"
        return 0
    fi
    local codename files=() uri
    codename="$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")"
    [ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
    for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && files+=("$f")
    done
    [ "${#files[@]}" -gt 0 ] && [ -n "$codename" ] || return 1
    uri="$(awk -v want="$codename" '
        function has(list, word,   n, i, a) {
            n = split(list, a, /[ \t]+/)
            for (i = 1; i <= n; i++) if (a[i] == word) return 1
            return 0
        }
        function flush_stanza() {
            if (has(types, "deb") && has(suites, want) && has(comps, "main") && uris != "" && !found) {
                split(uris, u, /[ \t]+/); print u[1]; found = 1
            }
            types = uris = suites = comps = ""
        }
        FNR == 1 { flush_stanza(); deb822 = (FILENAME ~ /\.sources$/) }
        /^[ \t]*#/ { next }
        deb822 && /^[ \t]*$/ { flush_stanza(); next }
        deb822 {
            line = $0; key = tolower(line); sub(/:.*/, "", key)
            val = line; sub(/^[^:]*:[ \t]*/, "", val)
            if (key == "types") types = val
            else if (key == "uris") uris = val
            else if (key == "suites") suites = val
            else if (key == "components") comps = val
            next
        }
        !deb822 && $1 == "deb" {
            i = 2
            if ($i ~ /^\[/) { while ($i !~ /\]$/ && i < NF) i++; i++ }
            if ($(i + 1) == want && !found) {
                for (j = i + 2; j <= NF; j++) if ($j == "main") { print $i; found = 1; break }
            }
        }
        END { flush_stanza() }
    ' "${files[@]}")"
    [ -n "$uri" ] || return 1
    printf '%s\n' "${uri%/}"
}

# platform: the distribution and release this runs on, e.g. "Debian GNU/Linux 13 (trixie)".
platform() {
    if [ -r /etc/os-release ]; then
        (. /etc/os-release && printf '%s' "${PRETTY_NAME:-${NAME:-unknown}}")
    else
        uname -sr
    fi
}

# run_tests <build dir> [label]: ctest in $root/<build dir> ($jobs for the packaging tests),
# its output kept in <build dir>/ctest.log, then the "==> result:" line. The versions come from the build itself (spdlog_coro_build_info,
# compiled with the same flags as the tests), not from package names.
run_tests() {
    local dir="$1" label="${2:-$(platform)}" status=0
    say "running the tests in $dir/"
    # The packaging tests build small consumer projects: JOBS applies to them too.
    set +e
    CMAKE_BUILD_PARALLEL_LEVEL="$jobs" run ctest --test-dir "$root/$dir" --output-on-failure \
        2>&1 | tee "$root/$dir/ctest.log"
    status="${PIPESTATUS[0]}"
    set -e
    local log="$root/$dir/ctest.log" total failed skipped info
    total="$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -n 1)"
    failed="$(sed -n 's/.*, \([0-9]*\) tests failed out of.*/\1/p' "$log" | tail -n 1)"
    skipped="$(grep -c '(Skipped)$' "$log" || true)"
    info="$(build_info "$dir")"
    say "result: $label | $info | tests: $((${total:-0} - ${failed:-0} - skipped))/${total:-0} passed, ${skipped} skipped"
    return "$status"
}

# build_info <build dir>: compiler, spdlog, fmt and Catch2 versions as the build saw them
# (a Windows build's program runs under $SPDLOG_CORO_WINE).
build_info() {
    local exe="$root/$1/tests/spdlog_coro_build_info"
    if [ -x "$exe" ]; then
        "$exe"
    elif [ -f "$exe.exe" ] && [ -n "${SPDLOG_CORO_WINE:-}" ]; then
        "$SPDLOG_CORO_WINE" "$exe.exe" 2>/dev/null | tr -d '\r'
    else
        printf 'versions unknown (no %s)' "$exe"
    fi
}
