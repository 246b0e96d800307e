// test_counting.cpp - the counting identity
//     submitted == processed + dropped + failed + queue_size,  dropped == overflows + timeouts
// after every step of mixed scenarios: overflow, crashes, restarts, fallback, timeouts.

#include "catch.h"
#include "fake_clock.h"
#include "test_sink.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/coro_sink.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using spdlog::sinks::coro_driver;
using spdlog::sinks::coro_sink_mt;
using spdlog::sinks::coro_sink_options;
using spdlog::sinks::coro_sink_stats;
using spdlog::sinks::overflow_strategy;

namespace {

bool identity_holds(const coro_sink_stats &s) {
    return s.messages_submitted ==
               s.messages_processed + s.messages_dropped + s.messages_failed + s.queue_size &&
           s.messages_dropped == s.queue_overflows + s.block_timeouts;
}

// Payloads are "<n>"; true when the numbers only grow (nothing duplicated or reordered).
bool strictly_increasing(const std::vector<std::string> &payloads) {
    long previous = -1;
    for (const auto &p : payloads) {
        const long n = std::stol(p);
        if (n <= previous) return false;
        previous = n;
    }
    return true;
}

}  // namespace

TEST_CASE("the counting identity holds after every step of a scripted scenario", "[counting]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    coro_sink_options o;
    o.driver = coro_driver::manual;
    o.max_queue_size = 5;
    o.batch_size = 2;
    o.overflow = overflow_strategy::drop_oldest;
    o.max_restarts = 1;
    o.clock = clock->source();
    o.error_handler = error_log::handler_for(errors);
    auto sink = make_coro({out}, o);
    const let_time_run_at_exit unfreeze(clock);
    auto step = [&](const char *what) {
        INFO("after: " << what);
        check_counting(sink->stats());
    };

    step("construction");
    for (const auto &p : numbered("a", 1, 3)) log_direct(*sink, p);
    step("three queued");
    for (const auto &p : numbered("b", 1, 4)) log_direct(*sink, p);
    CHECK(sink->stats().queue_overflows == 2);
    step("two evicted");
    CHECK(sink->poll() == 2);
    step("one batch written");
    out->fail_next(1);
    sink->poll();
    CHECK(sink->stats().backend_errors == 1);
    step("a crash with a parked message");
    for (const auto &p : numbered("c", 1, 4)) log_direct(*sink, p);
    step("overflow while backing off");
    clock->advance(10ms);
    sink->flush();
    CHECK(sink->stats().queue_size == 0);
    step("restart and flush");

    out->fail_always(true);
    for (const auto &p : numbered("d", 1, 3)) log_direct(*sink, p);
    sink->poll();  // crash 1
    clock->advance(1000ms);
    sink->poll();  // restart, crash 2 -> fallback
    CHECK(sink->stats().fallback_active);
    step("fallback entered");
    sink->flush();
    CHECK(sink->stats().messages_failed == 3);
    step("fallback without a fallback sink: failed");
    log_direct(*sink, "e1");
    sink->flush();
    step("another failed message");
    out->heal();
    log_direct(*sink, "f1");
    sink->flush();
    CHECK_FALSE(sink->stats().fallback_active);
    step("recovered");

    const auto s = sink->stats();
    CHECK(s.messages_submitted == 3 + 4 + 4 + 3 + 1 + 1);
    CHECK(s.queue_size == 0);
}

TEST_CASE("the counting identity holds after every step of random mixed operations", "[counting]") {
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    const auto overflow = GENERATE(overflow_strategy::drop_oldest, overflow_strategy::drop_newest,
                                   overflow_strategy::block);
    const bool with_fallback_sink = GENERATE(false, true);
    const std::uint32_t seed = GENERATE(1u, 2u, 3u);
    INFO("driver " << static_cast<int>(driver) << ", overflow " << static_cast<int>(overflow)
                   << ", fallback sink " << with_fallback_sink << ", seed " << seed);

    auto clock = std::make_shared<fake_clock>();
    clock->set_auto_step(1ms);  // every wait in the sink is bounded by the fake clock
    auto errors = std::make_shared<error_log>();
    auto flaky = std::make_shared<test_sink>();
    auto steady = std::make_shared<test_sink>();
    auto fallback = std::make_shared<test_sink>();
    flaky->fail_every(7);

    coro_sink_options o;
    o.driver = driver;
    o.overflow = overflow;
    o.max_queue_size = 8;
    o.batch_size = 3;
    o.flush_interval = 40ms;
    o.flush_timeout = 30ms;
    o.block_timeout = 5ms;
    o.restart_backoff = 2ms;
    o.max_restart_backoff = 16ms;
    o.max_restarts = 3;
    o.clock = clock->source();
    o.error_handler = error_log::handler_for(errors);
    if (with_fallback_sink) o.fallback_sink = fallback;
    auto sink = make_coro({flaky, steady}, o);
    const let_time_run_at_exit unfreeze(clock);

    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> pick(0, 99);
    int next_message = 0;
    for (int i = 0; i < 1500; ++i) {
        const int op = pick(rng);
        if (op < 55) {
            log_direct(*sink, std::to_string(next_message++));
        } else if (op < 70) {
            sink->poll();
        } else if (op < 77) {
            sink->flush_for(20ms);
        } else if (op < 80) {
            sink->flush();
        } else if (op < 88) {
            clock->advance(std::chrono::milliseconds(pick(rng) / 2));
        } else if (op < 93) {
            flaky->fail_always(pick(rng) < 50);  // long outages come and go
        } else if (op < 96) {
            flaky->fail_flush_next(1);
        } else {
            steady->fail_next(1);
        }
        const auto s = sink->stats();
        INFO("step " << i << ", op " << op);
        REQUIRE(identity_holds(s));
        REQUIRE(s.queue_size <= 8);
    }

    // Heal everything and drain: nothing is left, nothing was written twice or reordered.
    flaky->heal();
    steady->heal();
    for (int i = 0; i < 5 && sink->stats().queue_size > 0; ++i) sink->flush_for(1000ms);
    const auto s = sink->stats();
    CHECK(s.queue_size == 0);
    check_counting(s);
    CHECK(s.messages_submitted == static_cast<std::uint64_t>(next_message));
    CHECK(strictly_increasing(flaky->payloads()));
    CHECK(strictly_increasing(steady->payloads()));
    CHECK(strictly_increasing(fallback->payloads()));
    if (overflow == overflow_strategy::block) CHECK(s.queue_overflows == 0);
}
