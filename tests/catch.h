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
