// test_triggers.cpp - when the worker writes: the batch trigger, the time trigger (which also
// flushes the wrapped sinks), and a fresh worker that is never asleep.

#include "catch.h"
#include "fake_clock.h"
#include "test_options_helper.h"
#include "test_sink.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/coro_sink.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using spdlog::sinks::coro_driver;
using spdlog::sinks::coro_sink_mt;
using spdlog::sinks::coro_sink_options;
using spdlog::sinks::coro_sink_st;

namespace {

coro_sink_options trigger_options(const std::shared_ptr<fake_clock> &clock,
                                  coro_driver driver,
                                  std::size_t batch_size) {
    return test_options(driver, batch_size, 10000, clock);
}

}  // namespace

TEST_CASE("batch trigger: 2 of a batch of 3 write nothing, the 3rd writes 3 in order",
          "[triggers]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();

    SECTION("cooperative: the 3rd log() call writes the batch inline") {
        auto sink = make_coro({out}, trigger_options(clock, coro_driver::cooperative, 3));
        auto logger = std::make_shared<spdlog::logger>("batch", sink);
        logger->info("m1");
        logger->info("m2");
        CHECK(out->size() == 0);
        CHECK(sink->poll() == 0);  // no trigger due: poll writes nothing either
        CHECK(out->size() == 0);
        logger->info("m3");
        CHECK(out->payloads() == numbered("m", 1, 3));
        CHECK(sink->stats().queue_size == 0);
        CHECK(sink->stats().messages_processed == 3);
        for (const auto &m : out->messages()) {
            CHECK(m.logger_name == "batch");
            CHECK(m.level == spdlog::level::info);
        }
    }
    SECTION("manual: the batch waits for poll()") {
        auto sink = make_coro({out}, trigger_options(clock, coro_driver::manual, 3));
        auto logger = std::make_shared<spdlog::logger>("batch", sink);
        logger->info("m1");
        logger->info("m2");
        CHECK(sink->poll() == 0);
        CHECK(out->size() == 0);
        logger->info("m3");
        CHECK(out->size() == 0);
        CHECK(sink->poll() == 3);
        CHECK(out->payloads() == numbered("m", 1, 3));
    }
    SECTION("coro_sink_st behaves the same") {
        auto sink =
            make_coro<coro_sink_st>({out}, trigger_options(clock, coro_driver::cooperative, 3));
        log_direct(*sink, "m1");
        log_direct(*sink, "m2");
        CHECK(out->size() == 0);
        log_direct(*sink, "m3");
        CHECK(out->payloads() == numbered("m", 1, 3));
    }
}

TEST_CASE("a step writes at most batch_size messages, oldest first", "[triggers]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto sink = make_coro({out}, trigger_options(clock, coro_driver::manual, 3));
    for (const auto &p : numbered("m", 1, 7)) log_direct(*sink, p);

    CHECK(sink->poll() == 3);
    CHECK(out->payloads() == numbered("m", 1, 3));
    CHECK(sink->poll() == 3);
    CHECK(out->payloads() == numbered("m", 1, 6));
    CHECK(sink->poll() == 0);  // one left: below the batch, not old enough
    CHECK(sink->stats().queue_size == 1);
    sink->flush();
    CHECK(out->payloads() == numbered("m", 1, 7));
}

TEST_CASE("time trigger: the oldest message flush_interval old is written and the sinks flushed",
          "[triggers]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();

    SECTION("poll() writes once the oldest message is old enough, not before") {
        auto sink = make_coro({out}, trigger_options(clock, coro_driver::manual, 100));
        log_direct(*sink, "m1");
        clock->advance(600ms);
        log_direct(*sink, "m2");
        clock->advance(399ms);  // m1 is 999 ms old
        CHECK(sink->poll() == 0);
        CHECK(out->size() == 0);
        CHECK(out->flush_count() == 0);

        clock->advance(1ms);  // m1 is 1000 ms old: the step writes up to a batch, oldest first
        CHECK(sink->poll() == 2);
        CHECK(out->payloads() == numbered("m", 1, 2));
        CHECK(out->flush_count() == 1);
        CHECK(out->size_at_last_flush() == 2);  // flushed after the batch was written
        CHECK(sink->stats().queue_size == 0);
    }
    SECTION("cooperative: a log() call that finds the oldest message due writes it") {
        auto sink = make_coro({out}, trigger_options(clock, coro_driver::cooperative, 100));
        auto logger = std::make_shared<spdlog::logger>("timed", sink);
        logger->info("m1");
        clock->advance(999ms);
        logger->info("m2");
        CHECK(out->size() == 0);
        clock->advance(1ms);
        logger->info("m3");
        const auto written = out->payloads();
        REQUIRE_FALSE(written.empty());
        CHECK(written[0] == "m1");
        CHECK(out->flush_count() == 1);
        sink->flush();
        CHECK(out->payloads() == numbered("m", 1, 3));
    }
    SECTION("cooperative: poll() is the yield point for an idle application") {
        auto sink = make_coro({out}, trigger_options(clock, coro_driver::cooperative, 100));
        log_direct(*sink, "m1");
        CHECK(sink->poll() == 0);
        clock->advance(1000ms);
        CHECK(sink->poll() == 1);
        CHECK(out->payloads() == numbered("m", 1, 1));
        CHECK(out->flush_count() == 1);
    }
    SECTION("age is counted from when the message was queued, not from the last write") {
        auto sink = make_coro({out}, trigger_options(clock, coro_driver::manual, 100));
        clock->advance(5000ms);  // a long idle period before anything is logged
        log_direct(*sink, "m1");
        CHECK(sink->poll() == 0);
        clock->advance(999ms);
        CHECK(sink->poll() == 0);
        clock->advance(1ms);
        CHECK(sink->poll() == 1);
    }
}

TEST_CASE("1000 messages with batch 100 are all written, in order, without a flush", "[triggers]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto sink = make_coro({out}, trigger_options(clock, coro_driver::cooperative, 100));
    auto logger = std::make_shared<spdlog::logger>("bulk", sink);
    for (int i = 1; i <= 1000; ++i) logger->info("m{}", i);

    CHECK(out->payloads() == numbered("m", 1, 1000));
    const auto s = sink->stats();
    CHECK(s.messages_submitted == 1000);
    CHECK(s.messages_processed == 1000);
    CHECK(s.queue_size == 0);
    CHECK(s.queue_high_water <= 100);
}

TEST_CASE("150 messages with batch 100: the leftover 50 are written by flush", "[triggers]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto sink = make_coro({out}, trigger_options(clock, coro_driver::cooperative, 100));
    auto logger = std::make_shared<spdlog::logger>("leftover", sink);
    for (int i = 1; i <= 150; ++i) logger->info("m{}", i);

    CHECK(out->payloads() == numbered("m", 1, 100));
    CHECK(sink->stats().queue_size == 50);

    logger->flush();
    CHECK(out->payloads() == numbered("m", 1, 150));
    CHECK(sink->stats().queue_size == 0);
    CHECK(out->flush_count() == 1);
    CHECK(out->size_at_last_flush() == 150);
}

TEST_CASE("a new worker is not asleep: the first trigger writes without any flush", "[triggers]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();

    SECTION("cooperative: the first full batch is written by log()") {
        auto sink = make_coro({out}, trigger_options(clock, coro_driver::cooperative, 5));
        for (const auto &p : numbered("m", 1, 5)) log_direct(*sink, p);
        CHECK(out->payloads() == numbered("m", 1, 5));
        CHECK(out->flush_count() == 0);  // nobody called flush
    }
    SECTION("cooperative: the first time trigger is served by the first poll()") {
        auto sink = make_coro({out}, trigger_options(clock, coro_driver::cooperative, 5));
        log_direct(*sink, "m1");
        clock->advance(1000ms);
        CHECK(sink->poll() == 1);
        CHECK(out->payloads() == numbered("m", 1, 1));
    }
    SECTION("manual: the first poll() writes the first batch") {
        auto sink = make_coro({out}, trigger_options(clock, coro_driver::manual, 5));
        for (const auto &p : numbered("m", 1, 5)) log_direct(*sink, p);
        CHECK(out->size() == 0);
        CHECK(sink->poll() == 5);
        CHECK(out->payloads() == numbered("m", 1, 5));
    }
}
