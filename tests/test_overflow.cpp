// test_overflow.cpp - a full queue: drop_oldest, drop_newest, block (never drops; with
// block_timeout drops after waiting), the counters, and the high-water mark.

#include "catch.h"
#include "fake_clock.h"
#include "test_options_helper.h"
#include "test_sink.h"

#include <spdlog/details/os.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/coro_sink.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using spdlog::sinks::coro_driver;
using spdlog::sinks::coro_sink_mt;
using spdlog::sinks::coro_sink_options;
using spdlog::sinks::overflow_strategy;

namespace {

coro_sink_options overflow_options(const std::shared_ptr<fake_clock> &clock,
                                   coro_driver driver,
                                   overflow_strategy overflow,
                                   std::size_t max_queue_size,
                                   std::size_t batch_size) {
    auto o = test_options(driver, batch_size, max_queue_size, clock);
    o.overflow = overflow;
    return o;
}

}  // namespace

TEST_CASE("drop_oldest: max 5, 6 messages -> 5 queued, one overflow, 2..6 written", "[overflow]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto sink = make_coro(
        {out}, overflow_options(clock, coro_driver::manual, overflow_strategy::drop_oldest, 5, 5));
    for (const auto &p : numbered("m", 1, 6)) log_direct(*sink, p);

    auto s = sink->stats();
    CHECK(s.queue_size == 5);
    CHECK(s.queue_overflows == 1);
    CHECK(s.messages_dropped == 1);
    CHECK(s.queue_high_water == 5);
    check_counting(s);

    sink->flush();
    CHECK(out->payloads() == numbered("m", 2, 6));
    s = sink->stats();
    CHECK(s.messages_processed == 5);
    check_counting(s);
}

TEST_CASE("drop_newest: max 3, 4 messages -> 1..3 written", "[overflow]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto sink = make_coro(
        {out}, overflow_options(clock, coro_driver::manual, overflow_strategy::drop_newest, 3, 3));
    for (const auto &p : numbered("m", 1, 4)) log_direct(*sink, p);

    auto s = sink->stats();
    CHECK(s.queue_size == 3);
    CHECK(s.queue_overflows == 1);
    CHECK(s.messages_dropped == 1);
    check_counting(s);

    sink->flush();
    CHECK(out->payloads() == numbered("m", 1, 3));
    check_counting(sink->stats());
}

TEST_CASE("overflow happens at exactly max_queue_size, not before", "[overflow]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    const auto strategy = GENERATE(overflow_strategy::drop_oldest, overflow_strategy::drop_newest);
    auto sink = make_coro({out}, overflow_options(clock, coro_driver::manual, strategy, 8, 8));
    for (const auto &p : numbered("m", 1, 8)) log_direct(*sink, p);
    CHECK(sink->stats().queue_overflows == 0);
    CHECK(sink->stats().queue_size == 8);
    log_direct(*sink, "m9");
    CHECK(sink->stats().queue_overflows == 1);
    CHECK(sink->stats().queue_size == 8);
}

TEST_CASE("drop_oldest never evicts the message the worker is writing", "[overflow]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto sink = make_coro(
        {out}, overflow_options(clock, coro_driver::manual, overflow_strategy::drop_oldest, 3, 1));
    for (const auto &p : numbered("m", 1, 3)) log_direct(*sink, p);

    // While m1 is being written (still queued, in the worker's hands), the queue is full;
    // a new message evicts m2, the oldest the worker does not hold.
    out->on_log([&](const recorded_msg &m) {
        if (m.payload == "m1") log_direct(*sink, "x");
    });
    CHECK(sink->poll() == 1);
    out->on_log(nullptr);
    CHECK(sink->stats().queue_overflows == 1);

    sink->flush();
    CHECK(out->payloads() == std::vector<std::string>{"m1", "m3", "x"});
    check_counting(sink->stats());
}

TEST_CASE("block never drops: a single-threaded producer makes room itself", "[overflow]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    const std::size_t batch = GENERATE(std::size_t{1}, std::size_t{3}, std::size_t{4});
    auto sink =
        make_coro({out}, overflow_options(clock, driver, overflow_strategy::block, 4, batch));
    auto logger = std::make_shared<spdlog::logger>("blocking", sink);

    for (int i = 1; i <= 100; ++i) logger->info("m{}", i);
    auto s = sink->stats();
    CHECK(s.messages_dropped == 0);
    CHECK(s.queue_overflows == 0);
    CHECK(s.block_timeouts == 0);
    CHECK(s.queue_high_water <= 4);
    check_counting(s);

    sink->flush();
    CHECK(out->payloads() == numbered("m", 1, 100));
    CHECK(sink->stats().messages_processed == 100);
}

TEST_CASE("block from 4 threads with a small queue: nothing dropped, per-thread order kept",
          "[overflow][mt]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    auto sink = make_coro({out}, overflow_options(clock, driver, overflow_strategy::block, 8, 4));
    auto logger = std::make_shared<spdlog::logger>("blocking-mt", sink);

    constexpr int threads = 4;
    constexpr int per_thread = 500;
    std::vector<std::thread> producers;
    for (int k = 0; k < threads; ++k) {
        producers.emplace_back([&, k] {
            for (int i = 0; i < per_thread; ++i) logger->info("t{}-{}", k, i);
        });
    }
    for (auto &t : producers) t.join();
    sink->flush();

    const auto got = out->payloads();
    CHECK(got.size() == static_cast<std::size_t>(threads * per_thread));
    std::map<int, int> next;
    bool order_ok = true;
    for (const auto &p : got) {
        const auto dash = p.find('-');
        const int k = std::stoi(p.substr(1, dash - 1));
        const int i = std::stoi(p.substr(dash + 1));
        if (next[k] != i) order_ok = false;
        next[k] = i + 1;
    }
    CHECK(order_ok);
    const auto s = sink->stats();
    CHECK(s.messages_dropped == 0);
    CHECK(s.queue_high_water <= 8);
    CHECK(out->max_concurrency() == 1);
    check_counting(s);
}

TEST_CASE("block with block_timeout: a producer that waited that long drops its message",
          "[overflow]") {
    auto clock = std::make_shared<fake_clock>();
    clock->set_auto_step(1ms);  // the producer's wait loop re-reads the clock
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    out->fail_always(true);  // nothing can ever make room
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    auto options = overflow_options(clock, driver, overflow_strategy::block, 4, 4);
    options.block_timeout = 20ms;
    options.max_restarts = 1000;  // keep retrying: no fallback during this test
    options.restart_backoff = 5ms;
    options.max_restart_backoff = 5ms;
    options.error_handler = error_log::handler_for(errors);
    auto sink = make_coro({out}, options);
    auto logger = std::make_shared<spdlog::logger>("timeouts", sink);

    for (int i = 1; i <= 10; ++i) logger->info("m{}", i);

    auto s = sink->stats();
    CHECK(s.queue_size == 4);
    CHECK(s.block_timeouts == 6);
    CHECK(s.queue_overflows == 0);
    CHECK(s.messages_dropped == 6);
    CHECK(s.messages_dropped == s.queue_overflows + s.block_timeouts);
    CHECK_FALSE(s.fallback_active);
    check_counting(s);

    // Once the sink heals, the four that were kept are written, oldest first.
    out->heal();
    CHECK(sink->flush_for(10000ms));
    CHECK(out->payloads() == numbered("m", 1, 4));
    check_counting(sink->stats());
}

TEST_CASE("a wrapped sink logging into its own full blocking queue cannot wait for itself",
          "[overflow]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto sink = make_coro(
        {out}, overflow_options(clock, coro_driver::manual, overflow_strategy::block, 2, 1));
    auto logger = std::make_shared<spdlog::logger>("self", sink);
    logger->info("m1");
    logger->info("m2");  // full: m1 and m2

    std::weak_ptr<spdlog::logger> weak_logger = logger;
    out->on_log([weak_logger](const recorded_msg &m) {
        if (m.payload == "m1") {
            if (auto l = weak_logger.lock()) l->info("echo");
        }
    });
    CHECK(sink->poll() == 1);  // writes m1; the echo finds m1 and m2 still queued
    out->on_log(nullptr);

    auto s = sink->stats();
    CHECK(s.queue_overflows == 1);
    CHECK(s.messages_dropped == 1);
    CHECK(s.block_timeouts == 0);
    check_counting(s);
    sink->flush();
    CHECK(out->payloads() == numbered("m", 1, 2));
}

TEST_CASE("queue_high_water records the deepest the queue has been", "[overflow]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto sink = make_coro({out}, overflow_options(clock, coro_driver::manual,
                                                  overflow_strategy::drop_oldest, 10, 10));
    CHECK(sink->stats().queue_high_water == 0);
    for (const auto &p : numbered("m", 1, 7)) log_direct(*sink, p);
    CHECK(sink->stats().queue_high_water == 7);
    sink->flush();
    for (const auto &p : numbered("n", 1, 2)) log_direct(*sink, p);
    auto s = sink->stats();
    CHECK(s.queue_size == 2);
    CHECK(s.queue_high_water == 7);
    for (const auto &p : numbered("k", 1, 20)) log_direct(*sink, p);
    CHECK(sink->stats().queue_high_water == 10);
}
