// catch.h - includes Catch2 v3 or v2, whichever tests/CMakeLists.txt found.
//
// Test files include "catch.h" and use the macros common to both versions (TEST_CASE,
// SECTION, REQUIRE, CHECK, ...). SPDLOG_CORO_CATCH3 is defined when building against v3,
// for the rare spot where the two differ (e.g. Catch::Approx vs Approx, matchers).

#pragma once

#ifdef SPDLOG_CORO_CATCH3
    #include <catch2/catch_all.hpp>
#else
    #include <catch2/catch.hpp>
#endif

// SPDLOG_CORO_SKIP(message): ends the current test case as skipped, for a test that needs
// something the machine does not have (e.g. rsyslogd). `message` may stream values like
// INFO: SPDLOG_CORO_SKIP("no rsyslogd: " << reason). The runner (main.cpp) then exits with 77,
// which ctest reports as skipped, unless something failed. With Catch2 >= 3.3 the case also
// ends through SKIP (reported as skipped by Catch2 itself); older versions have no skip: the
// message is printed as a warning and the case returns.
namespace spdlog_coro_test {
extern bool skipped;  // main.cpp
}
#if defined(SKIP)
    #define SPDLOG_CORO_SKIP(message)         \
        do {                                  \
            spdlog_coro_test::skipped = true; \
            SKIP(message);                    \
        } while (false)
#else
    #define SPDLOG_CORO_SKIP(message)         \
        do {                                  \
            spdlog_coro_test::skipped = true; \
            WARN("SKIPPED: " << message);     \
            return;                           \
        } while (false)
#endif
