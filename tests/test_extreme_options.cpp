// test_extreme_options.cpp - the largest durations the options accept do not overflow
// (checked for undefined behaviour by the UBSan build of .ci/run).

#include "catch.h"
#include "fake_clock.h"
#include "test_sink.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/coro_sink.h>

#include <chrono>
#include <memory>

using std::chrono::milliseconds;

TEST_CASE("durations of milliseconds::max() are accepted and saturate instead of overflowing",
          "[options][input]") {
    auto driver = GENERATE(spdlog::sinks::coro_driver::cooperative,
                           spdlog::sinks::coro_driver::manual, spdlog::sinks::coro_driver::thread);
    auto recorder = std::make_shared<test_sink>();
    recorder->fail_next(1);
    spdlog::sinks::coro_sink_options o;
    o.driver = driver;
    o.batch_size = 2;
    o.flush_interval = milliseconds::max();
    o.flush_timeout = milliseconds::max();
    o.restart_backoff = milliseconds(0);
    o.max_restart_backoff = milliseconds::max();
    o.overflow = spdlog::sinks::overflow_strategy::block;
    o.block_timeout = milliseconds::max();
    o.error_handler = [](const std::string &) {};
    auto sink =
        std::make_shared<spdlog::sinks::coro_sink_mt>(std::vector<spdlog::sink_ptr>{recorder}, o);
    spdlog::logger logger("extreme", sink);
    for (int i = 0; i < 5; ++i) logger.info("message {}", i);
    REQUIRE(sink->flush_for(milliseconds::max()));
    CHECK(recorder->size() == 5);
    const auto s = sink->stats();
    CHECK(s.backend_errors == 1);
    CHECK(s.messages_processed == 5);
}
