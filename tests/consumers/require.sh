#!/bin/sh
# require.sh - runs a packaging test only when the programs it needs are installed.
#
#     sh require.sh <program>... -- <command>...
#
# When a program is missing, says so and exits with 77, which tests/CMakeLists.txt declares
# as the test's SKIP_RETURN_CODE: ctest then reports the test as skipped, not passed or
# failed. Otherwise runs <command> and exits with its status.

while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "SKIPPED: '$1' is not installed; this packaging test needs it"
        exit 77
    fi
    shift
done
[ "$#" -gt 0 ] && shift # the --
exec "$@"
