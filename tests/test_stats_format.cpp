// test_stats_format.cpp - the text forms of coro_sink_stats: names, log line, Prometheus.

#include "catch.h"

#include <spdlog/sinks/coro_sink_stats.h>

#include <string>

using spdlog::sinks::coro_worker_state;

TEST_CASE("to_string names every worker state", "[stats]") {
    CHECK(std::string(to_string(coro_worker_state::running)) == "running");
    CHECK(std::string(to_string(coro_worker_state::backing_off)) == "backing_off");
    CHECK(std::string(to_string(coro_worker_state::fallback)) == "fallback");
    CHECK(std::string(to_string(static_cast<coro_worker_state>(42))) == "unknown");
}
