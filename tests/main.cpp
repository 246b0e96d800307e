// main.cpp - the test runner's main() for Catch2 v2 (v3 links Catch2::Catch2WithMain).

#ifndef SPDLOG_CORO_CATCH3
    #define CATCH_CONFIG_MAIN
    #include "catch.h"
#endif
