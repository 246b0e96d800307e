// test_crash_drain.cpp - coro_crash_drain_now() (include/spdlog/sinks/coro_crash_drain.h):
// every live sink's queue written and flushed, the counters exact, the held-worker path, the
// registry's lifetime handshake and its capacity.

#include "catch.h"
#include "fake_clock.h"
#include "test_options_helper.h"
#include "test_sink.h"

#include <crash_registry.h>

#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/coro_crash_drain.h>
#include <spdlog/sinks/coro_sink.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#if defined(__linux__)
    #include <fcntl.h>
    #include <sys/wait.h>
    #include <unistd.h>
#endif

using namespace std::chrono_literals;
using spdlog::sinks::coro_driver;
using spdlog::sinks::coro_sink_mt;
using spdlog::sinks::coro_sink_options;

namespace {

// Options under which nothing becomes due by itself: messages stay queued until a flush.
coro_sink_options queued_options(coro_driver driver, std::size_t batch_size = 1000) {
    coro_sink_options o;
    o.driver = driver;
    o.batch_size = batch_size;
    o.max_queue_size = 10000;
    o.flush_interval = std::chrono::hours(1);
    return o;
}

}  // namespace

// --- coro_crash_drain_now, in this process ----------------------------------------------

TEST_CASE("coro_crash_drain_now writes every sink's queue, flushes, keeps the counters exact",
          "[crash]") {
    // The injected clock never moves, as in a dying process: the drain's bounds are in real
    // time, so it must finish anyway.
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out_manual = std::make_shared<test_sink>();
    auto out_thread = std::make_shared<test_sink>();
    auto options = test_options(coro_driver::manual, 1000, 10000, clock, errors);
    options.flush_interval = std::chrono::hours(1);
    auto manual = make_coro({out_manual}, options);
    options.driver = coro_driver::thread;
    auto threaded = make_coro({out_thread}, options);
    for (const auto &p : numbered("a", 1, 5)) log_direct(*manual, p);
    for (const auto &p : numbered("b", 1, 7)) log_direct(*threaded, p);
    REQUIRE(manual->stats().queue_size == 5);
    REQUIRE(threaded->stats().queue_size == 7);

    CHECK(spdlog::sinks::coro_crash_drain_now(5s) == 12);
    CHECK(out_manual->payloads() == numbered("a", 1, 5));
    CHECK(out_thread->payloads() == numbered("b", 1, 7));
    CHECK(out_manual->size_at_last_flush() == 5);
    CHECK(out_thread->size_at_last_flush() == 7);
    for (const auto &sink : {manual, threaded}) {
        const auto s = sink->stats();
        CHECK(s.queue_size == 0);
        CHECK(s.messages_processed == s.messages_submitted);
        check_counting(s);
    }
    CHECK(errors->size() == 0);

    // Nothing is left to drain; and the sinks go on working afterwards.
    CHECK(spdlog::sinks::coro_crash_drain_now(5s) == 0);
    log_direct(*manual, "a6");
    log_direct(*threaded, "b8");
    manual->flush();
    threaded->flush();
    CHECK(out_manual->payloads() == numbered("a", 1, 6));
    CHECK(out_thread->payloads() == numbered("b", 1, 8));
    CHECK(spdlog::sinks::coro_crash_drain_now(0ms) == 0);
}

TEST_CASE("coro_crash_drain_now from inside a wrapped sink sends that sink's queue to its fallback",
          "[crash]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    auto fallback = std::make_shared<test_sink>();
    auto options = test_options(coro_driver::manual, 1000, 10000, clock, errors);
    options.fallback_sink = fallback;
    auto sink = make_coro({out}, options);
    std::size_t drained = 0;
    out->on_log([&](const recorded_msg &m) {
        // This thread holds the sink's worker, and the wrapped sinks' lock further up the
        // stack: the drain must neither wait for them nor write to them.
        if (m.payload == "m2") drained = spdlog::sinks::coro_crash_drain_now(5s);
    });
    for (const auto &p : numbered("m", 1, 5)) log_direct(*sink, p);
    sink->flush();
    out->on_log(nullptr);

    CHECK(drained == 3);
    CHECK(out->payloads() == numbered("m", 1, 2));
    CHECK(fallback->payloads() == numbered("m", 3, 5));
    CHECK(fallback->flush_count() >= 1);
    const auto s = sink->stats();
    CHECK(s.messages_processed == 5);
    CHECK(s.fallback_writes == 3);
    CHECK(s.queue_size == 0);
    check_counting(s);
}

TEST_CASE("sinks destroyed while another thread drains are drained once or skipped", "[crash]") {
    // The registry's handshake: a destructor racing with the drain either goes first (the
    // drain skips the sink) or waits until the drain is done with it. The sanitizer builds
    // check that no core is used after it was freed.
    constexpr int rounds = 200;
    std::vector<std::shared_ptr<test_sink>> outs;
    for (int i = 0; i < rounds; ++i) outs.push_back(std::make_shared<test_sink>());
    std::atomic<bool> done{false};
    std::atomic<std::size_t> drained{0};
    std::thread drainer([&] {
        while (!done.load()) drained += spdlog::sinks::coro_crash_drain_now(5s);
    });
    for (int i = 0; i < rounds; ++i) {
        auto sink = make_coro({outs[i]}, queued_options(coro_driver::manual));
        for (const auto &p : numbered("m", 1, 3)) log_direct(*sink, p);
    }  // each destructor drains whatever the drainer did not
    done = true;
    drainer.join();
    for (const auto &out : outs) CHECK(out->payloads() == numbered("m", 1, 3));
    CHECK(drained.load() <= 3u * rounds);
}

TEST_CASE("a sink beyond the crash registry's capacity is not drained, and says so", "[crash]") {
    namespace registry = spdlog::sinks::coro_detail::crash_registry;
    auto errors = std::make_shared<error_log>();
    const auto uncovered_before = registry::uncovered();
    std::vector<std::shared_ptr<coro_sink_mt>> sinks;
    std::vector<std::shared_ptr<test_sink>> outs;
    const std::size_t count = spdlog::sinks::coro_crash_drain_max_sinks + 2;
    for (std::size_t i = 0; i < count; ++i) {
        outs.push_back(std::make_shared<test_sink>());
        auto options = test_options(coro_driver::manual, 1, 1, nullptr, errors);
        sinks.push_back(make_coro({outs.back()}, options));
        std::string payload = "m";  // not "m" + std::string: GCC 12's false -Wrestrict
        payload += std::to_string(i);
        log_direct(*sinks.back(), payload);
    }
    // Exactly the last two found no slot (other live sinks, if any, took theirs earlier).
    CHECK(registry::uncovered() - uncovered_before == 2);
    CHECK(errors->count_containing("not covered by the crash drain") == 2);

    const std::size_t written = spdlog::sinks::coro_crash_drain_now(10s);
    CHECK(written >= count - 2);  // ours; a live sink of another test would add to it
    for (std::size_t i = 0; i < count; ++i) {
        INFO("sink " << i);
        CHECK(sinks[i]->stats().queue_size == (i + 2 < count ? 0u : 1u));
    }
}
