// test_stats_format.cpp - the text forms of coro_sink_stats: names, log line.

#include "catch.h"
#include "stats_fields.h"

#include <spdlog/common.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/coro_sink.h>
#include <spdlog/sinks/coro_sink_stats_format.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using spdlog::sinks::coro_sink_stats;
using spdlog::sinks::coro_worker_state;
using spdlog::sinks::coro_detail::stats_fields;

namespace {

// A sink that dropped, failed over and is backing off: every kind of value is non-trivial.
coro_sink_stats known_stats() {
    coro_sink_stats s;
    s.messages_submitted = 10;
    s.messages_processed = 8;
    s.messages_dropped = 1;
    s.messages_failed = 0;
    s.queue_overflows = 1;
    s.block_timeouts = 0;
    s.worker_restarts = 2;
    s.backend_errors = 3;
    s.flush_timeouts = 0;
    s.fallback_writes = 0;
    s.fallback_activations = 0;
    s.queue_size = 1;
    s.queue_high_water = 5;
    s.queue_capacity = 10000;
    s.worker_state = coro_worker_state::backing_off;
    s.fallback_active = false;
    return s;
}

bool contains(const std::string &haystack, const std::string &needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

// --- names and the field table -------------------------------------------------------------

TEST_CASE("to_string names every worker state", "[stats]") {
    CHECK(std::string(to_string(coro_worker_state::running)) == "running");
    CHECK(std::string(to_string(coro_worker_state::backing_off)) == "backing_off");
    CHECK(std::string(to_string(coro_worker_state::fallback)) == "fallback");
    CHECK(std::string(to_string(static_cast<coro_worker_state>(42))) == "unknown");

    // worker_states (the Prometheus samples) lists the whole enum, in order.
    const auto &states = spdlog::sinks::coro_detail::worker_states;
    for (std::size_t i = 0; i < std::size(states); ++i) {
        CHECK(states[i] == static_cast<coro_worker_state>(i));
    }
    CHECK(std::string(to_string(static_cast<coro_worker_state>(std::size(states)))) == "unknown");
}

TEST_CASE("the field table has one row per member of coro_sink_stats, in struct order", "[stats]") {
    // Also a static_assert in stats_fields.h; when it fails, add the new member's row there.
    STATIC_REQUIRE(spdlog::sinks::coro_detail::aggregate_member_count<coro_sink_stats>() ==
                   std::size(stats_fields));

    // Members initialised by position, so the n-th row must read the n-th member.
    const coro_sink_stats s{
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, coro_worker_state::fallback, true};
    const std::vector<std::uint64_t> expected{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 2, 1};
    REQUIRE(std::size(stats_fields) == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("row " << i << ": " << stats_fields[i].name);
        CHECK(stats_fields[i].read(s) == expected[i]);
    }
}

// --- the log line --------------------------------------------------------------------------

TEST_CASE("to_string: one line of key=value pairs in struct order", "[stats]") {
    CHECK(to_string(known_stats()) ==
          "messages_submitted=10 messages_processed=8 messages_dropped=1 messages_failed=0 "
          "queue_overflows=1 block_timeouts=0 worker_restarts=2 backend_errors=3 "
          "flush_timeouts=0 fallback_writes=0 fallback_activations=0 queue_size=1 "
          "queue_high_water=5 queue_capacity=10000 worker_state=backing_off "
          "fallback_active=false");

    coro_sink_stats big;
    big.messages_submitted = std::numeric_limits<std::uint64_t>::max();
    big.worker_state = coro_worker_state::fallback;
    big.fallback_active = true;
    const std::string text = to_string(big);
    CHECK(text.rfind("messages_submitted=18446744073709551615 messages_processed=0 ", 0) == 0);
    CHECK(contains(text, " worker_state=fallback fallback_active=true"));
    CHECK(!contains(text, "\n"));
}

TEST_CASE("fmt (or std::format) and spdlog logging give the text of to_string", "[stats]") {
    const coro_sink_stats s = known_stats();
    const std::string line = to_string(s);
    CHECK(spdlog::fmt_lib::format("{}", s) == line);
    CHECK(spdlog::fmt_lib::format("stats: {}.", s) == "stats: " + line + ".");
    // String format specs apply to the whole line.
    CHECK(spdlog::fmt_lib::format("{:>400}", s) == std::string(400 - line.size(), ' ') + line);

    std::ostringstream out;
    auto log = std::make_shared<spdlog::logger>(
        "stats_format_test", std::make_shared<spdlog::sinks::ostream_sink_st>(out));
    log->set_pattern("%v");
    log->info("{}", s);
    CHECK(out.str() == line + "\n");

    // spdlog::info, through the default logger, with a real sink's snapshot.
    out.str("");
    auto coro = std::make_shared<spdlog::sinks::coro_sink_st>(
        std::vector<spdlog::sink_ptr>{std::make_shared<spdlog::sinks::ostream_sink_st>(out)});
    auto through_coro = std::make_shared<spdlog::logger>("stats_format_coro", coro);
    through_coro->set_pattern("%v");
    through_coro->info("one");
    coro->flush();
    const coro_sink_stats snapshot = coro->stats();
    REQUIRE(snapshot.messages_processed == 1);
    out.str("");
    const auto previous = spdlog::default_logger();
    spdlog::set_default_logger(log);
    spdlog::info("{}", snapshot);
    spdlog::set_default_logger(previous);
    CHECK(out.str() == to_string(snapshot) + "\n");
    CHECK(contains(out.str(), "messages_submitted=1 messages_processed=1 "));
}
