// test_flush.cpp - flush() and flush_for(): drain everything queued before the call (the
// leftover too), then flush the wrapped sinks, within a timeout; time out cleanly; end even
// while new messages keep arriving.

#include "catch.h"
#include "fake_clock.h"
#include "test_options_helper.h"
#include "test_sink.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/coro_sink.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using spdlog::sinks::coro_driver;
using spdlog::sinks::coro_sink_mt;
using spdlog::sinks::coro_sink_options;

namespace {

coro_sink_options flush_options(const std::shared_ptr<fake_clock> &clock,
                                const std::shared_ptr<error_log> &errors,
                                coro_driver driver,
                                std::size_t batch_size) {
    return test_options(driver, batch_size, 1000, clock, errors);
}

}  // namespace

TEST_CASE("flush drains everything, including a leftover, then flushes every wrapped sink",
          "[flush]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto a = std::make_shared<test_sink>();
    auto b = std::make_shared<test_sink>();
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    auto sink = make_coro({a, b}, flush_options(clock, errors, driver, 10));
    auto logger = std::make_shared<spdlog::logger>("flushing", sink);

    for (int i = 1; i <= 25; ++i) logger->info("m{}", i);  // two batches and a leftover of 5
    logger->flush();

    for (const auto &out : {a, b}) {
        CHECK(out->payloads() == numbered("m", 1, 25));
        CHECK(out->flush_count() == 1);
        CHECK(out->size_at_last_flush() == 25);  // flushed after the last message
    }
    const auto s = sink->stats();
    CHECK(s.queue_size == 0);
    CHECK(s.messages_processed == 25);
    CHECK(s.flush_timeouts == 0);
    CHECK(errors->size() == 0);
}

TEST_CASE("flush_for returns true when everything was written and flushed in time", "[flush]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    auto sink = make_coro({out}, flush_options(clock, errors, coro_driver::manual, 10));
    for (const auto &p : numbered("m", 1, 13)) log_direct(*sink, p);

    CHECK(sink->flush_for(50ms));
    CHECK(out->payloads() == numbered("m", 1, 13));
    CHECK(out->flush_count() == 1);
    CHECK(sink->stats().flush_timeouts == 0);
}

TEST_CASE("an empty flush is harmless", "[flush]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    auto sink = make_coro({out}, flush_options(clock, errors, driver, 10));

    sink->flush();
    sink->flush();
    CHECK(sink->flush_for(1ms));
    CHECK(out->size() == 0);
    CHECK(errors->size() == 0);
    const auto s = sink->stats();
    CHECK(s.messages_submitted == 0);
    CHECK(s.flush_timeouts == 0);
    CHECK(s.backend_errors == 0);
    check_counting(s);

    // And the sink works normally afterwards.
    log_direct(*sink, "after");
    sink->flush();
    CHECK(out->payloads() == std::vector<std::string>{"after"});
}

TEST_CASE("flush times out: returns false, counts, warns, and the rest is written later",
          "[flush]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    auto options = flush_options(clock, errors, coro_driver::manual, 5);
    options.flush_timeout = 10ms;
    auto sink = make_coro({out}, options);
    for (const auto &p : numbered("m", 1, 100)) log_direct(*sink, p);

    // A slow wrapped sink: every write takes 5 ms of the fake clock.
    out->on_log([clock](const recorded_msg &) { clock->advance(5ms); });

    SECTION("flush_for with an explicit bound") { CHECK_FALSE(sink->flush_for(10ms)); }
    SECTION("flush() bounded by options.flush_timeout") { sink->flush(); }

    const auto written = out->size();
    CHECK(written > 0);  // it made progress before giving up
    CHECK(written < 100);
    auto s = sink->stats();
    CHECK(s.flush_timeouts == 1);
    CHECK(s.queue_size == 100 - written);
    CHECK(s.backend_errors == 0);
    check_counting(s);
    CHECK(errors->size() >= 1);
    CHECK(errors->any_containing("flush"));

    // The rest is written by a later flush, in order, each message once.
    out->on_log(nullptr);
    CHECK(sink->flush_for(1000ms));
    CHECK(out->payloads() == numbered("m", 1, 100));
    s = sink->stats();
    CHECK(s.flush_timeouts == 1);
    CHECK(s.queue_size == 0);
    check_counting(s);
}

TEST_CASE("messages logged during a flush do not keep it from ending", "[flush]") {
    auto clock = std::make_shared<fake_clock>();
    // Every clock read advances time: a flush that never ends runs into its timeout and
    // the test fails on the return value instead of hanging.
    clock->set_auto_step(1ms);
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    auto options = flush_options(clock, errors, driver, 100);
    options.max_queue_size = 100000;
    auto sink = make_coro({out}, options);
    auto logger = std::make_shared<spdlog::logger>("busy", sink);
    std::weak_ptr<spdlog::logger> weak_logger = logger;

    for (const auto &p : numbered("m", 1, 10)) logger->info(p);

    SECTION("the wrapped sink logs a new message into the same logger on every write") {
        out->on_log([weak_logger](const recorded_msg &m) {
            if (auto l = weak_logger.lock()) l->info("echo of {}", m.payload);
        });
        CHECK(sink->flush_for(100000ms));
    }
    SECTION("another thread logs a new message on every write") {
        out->on_log([weak_logger](const recorded_msg &m) {
            std::thread other([&] {
                if (auto l = weak_logger.lock()) l->info("echo of {}", m.payload);
            });
            other.join();
        });
        CHECK(sink->flush_for(100000ms));
    }
    out->on_log(nullptr);

    const auto written = out->payloads();
    REQUIRE(written.size() >= 10);
    CHECK(std::vector<std::string>(written.begin(), written.begin() + 10) == numbered("m", 1, 10));
    const auto s = sink->stats();
    CHECK(s.flush_timeouts == 0);
    CHECK(s.queue_size >= 1);  // the echoes of the last messages are still queued
    check_counting(s);
}

TEST_CASE("spdlog's flush_on reaches the queued messages", "[flush]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    auto sink = make_coro({out}, flush_options(clock, errors, coro_driver::manual, 100));
    auto logger = std::make_shared<spdlog::logger>("flush_on", sink);
    logger->flush_on(spdlog::level::err);

    logger->info("m1");
    logger->warn("m2");
    CHECK(out->size() == 0);
    logger->error("m3");
    CHECK(out->payloads() == numbered("m", 1, 3));
    CHECK(out->flush_count() == 1);
}
