// test_runner.cpp - hidden test cases that exercise the runner's exit-code contract (main.cpp).
//
// Hidden ([.runner]): ctest does not register them as test cases. tests/CMakeLists.txt runs
// each one by name instead and checks the exit code exactly (tests/check_exit_code.cmake),
// so a runner that mistakes failures for skips, or rejects ctest's arguments, fails there.

#include "catch.h"

TEST_CASE("runner: a passing case", "[.runner]") { CHECK(1 + 1 == 2); }

// Four, on purpose: Catch2 3.3 to 3.7.0 exit with the number of failed assertions, and 4 is
// also v3's exit code for "every test was skipped".
TEST_CASE("runner: four failed checks", "[.runner]") {
    for (int i = 0; i < 4; ++i) CHECK(i < 0);
}

TEST_CASE("runner: a skipped case", "[.runner]") {
    SPDLOG_CORO_SKIP("skipped on purpose by the runner's self-test");
}

TEST_CASE("runner: a failed check then a skip", "[.runner]") {
    CHECK(false);
    SPDLOG_CORO_SKIP("a skip after a failure must not hide it");
}
