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
// INFO: SPDLOG_CORO_SKIP("no rsyslogd: " << reason). Catch2 >= 3.3 has SKIP, which reports
// the test as skipped (tests/CMakeLists.txt tells ctest its exit code). Older versions have
// no skip: the test prints the message as a warning and returns, and counts as passed, so
// the reason is visible in the output rather than hidden in a silent pass.
#if defined(SKIP)
    #define SPDLOG_CORO_SKIP(message) SKIP(message)
#else
    #define SPDLOG_CORO_SKIP(message)     \
        do {                              \
            WARN("SKIPPED: " << message); \
            return;                       \
        } while (false)
#endif
