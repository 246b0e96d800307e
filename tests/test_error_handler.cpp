// test_error_handler.cpp - what a user's error handler may do, and that stats() stays exact
// while another thread is running the worker.

#include "catch.h"
#include "fake_clock.h"
#include "test_sink.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/coro_sink.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using spdlog::sinks::coro_driver;
using spdlog::sinks::coro_sink_mt;
using spdlog::sinks::coro_sink_options;

TEST_CASE("an error handler may remove the failing sink, add one, and set the pattern",
          "[errors]") {
    auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual, coro_driver::thread);
    auto bad = std::make_shared<test_sink>();
    auto good = std::make_shared<test_sink>();
    auto spare = std::make_shared<test_sink>();
    bad->fail_always(true);
    auto holder = std::make_shared<std::weak_ptr<coro_sink_mt>>();
    auto handled = std::make_shared<std::atomic<int>>(0);
    coro_sink_options o;
    o.driver = driver;
    o.batch_size = 1;
    o.restart_backoff = std::chrono::milliseconds(0);
    o.max_restart_backoff = std::chrono::milliseconds(0);
    // The natural reaction to a broken destination: take it out. This used to deadlock,
    // since the handler ran while the sink held the lock around its wrapped sinks.
    o.error_handler = [holder, handled, bad, spare](const std::string &) {
        if (auto sink = holder->lock()) {
            sink->remove_sink(bad);
            if (sink->sinks().size() == 1) sink->add_sink(spare);
            sink->set_pattern("%v");
        }
        handled->fetch_add(1);
    };
    auto sink = std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{good, bad}, o);
    *holder = sink;
    spdlog::logger logger("handler", sink);
    logger.info("first");
    logger.info("second");
    REQUIRE(sink->flush_for(std::chrono::seconds(30)));
    CHECK(handled->load() >= 1);
    CHECK(good->payloads() == std::vector<std::string>{"first", "second"});
    // "first" failed on `bad`, which the handler removed: the retry has no sink left to try.
    CHECK(bad->payloads().empty());
    CHECK(sink->sinks().size() == 2);
    check_counting(sink->stats());
    CHECK(sink->stats().messages_processed == 2);
}

TEST_CASE("stats() is exact while the worker thread is in the middle of a batch",
          "[counting][thread]") {
    auto out = std::make_shared<test_sink>();
    coro_sink_options o;
    o.driver = coro_driver::thread;
    o.batch_size = 256;
    o.max_queue_size = 100000;
    o.overflow = spdlog::sinks::overflow_strategy::block;
    auto sink = std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{out}, o);
    for (int i = 0; i < 50000; ++i) log_direct(*sink, "m");
    // No call into the sink is in flight from this thread's point of view; the sink's own
    // thread is writing. Every snapshot must add up.
    std::size_t violations = 0;
    for (int i = 0; i < 20000; ++i) {
        const auto s = sink->stats();
        if (s.messages_submitted !=
            s.messages_processed + s.messages_dropped + s.messages_failed + s.queue_size) {
            ++violations;
        }
    }
    CHECK(violations == 0);
    REQUIRE(sink->flush_for(std::chrono::seconds(30)));
    CHECK(out->size() == 50000);
    check_counting(sink->stats());
}

TEST_CASE("coro_sink_st with the thread driver may still be reconfigured while it writes",
          "[thread][st]") {
    // The sink's own thread writes; add_sink / set_pattern from the user's thread must not
    // race with it even though the user picked the single-threaded alias (checked by TSan).
    auto out = std::make_shared<test_sink>();
    coro_sink_options o;
    o.driver = coro_driver::thread;
    o.batch_size = 8;
    auto sink =
        std::make_shared<spdlog::sinks::coro_sink_st>(std::vector<spdlog::sink_ptr>{out}, o);
    std::vector<std::shared_ptr<test_sink>> extra;
    for (int i = 0; i < 2000; ++i) {
        // Appended, not "m" + std::to_string(i): GCC 12 at -O3 warns wrongly (-Wrestrict)
        // about that operator+ (GCC bug 105329).
        std::string payload = "m";
        payload += std::to_string(i);
        log_direct(*sink, payload);
        if (i % 200 == 0) {
            extra.push_back(std::make_shared<test_sink>());
            sink->add_sink(extra.back());
            sink->set_pattern("%v");
        }
    }
    REQUIRE(sink->flush_for(std::chrono::seconds(30)));
    CHECK(out->payloads() == numbered("m", 0, 1999));
    check_counting(sink->stats());
}
