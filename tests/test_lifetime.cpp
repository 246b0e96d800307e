// test_lifetime.cpp - the destructor drains and flushes within flush_timeout and never hangs;
// destruction through spdlog's registry (shutdown, drop, process exit); a wrapped sink that
// logs back into its own logger neither deadlocks nor loses its message.

#include "catch.h"
#include "fake_clock.h"
#include "forked_child.h"
#include "test_options_helper.h"
#include "test_sink.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/coro_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#if defined(__unix__)
    #include <sys/wait.h>
    #include <unistd.h>
#endif

using namespace std::chrono_literals;
using spdlog::sinks::coro_driver;
using spdlog::sinks::coro_sink_mt;
using spdlog::sinks::coro_sink_options;

namespace {

coro_sink_options lifetime_options(const std::shared_ptr<fake_clock> &clock,
                                   const std::shared_ptr<error_log> &errors,
                                   coro_driver driver,
                                   std::size_t batch_size) {
    return test_options(driver, batch_size, 1000, clock, errors);
}

}  // namespace

TEST_CASE("the destructor writes everything queued, the leftover too, and flushes", "[lifetime]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    auto sink = make_coro({out}, lifetime_options(clock, errors, driver, 100));
    auto logger = std::make_shared<spdlog::logger>("dying", sink);
    for (int i = 1; i <= 150; ++i) logger->info("m{}", i);
    CHECK(out->size() == (driver == coro_driver::cooperative ? 100u : 0u));

    logger.reset();
    sink.reset();  // the last owner: the destructor runs here
    CHECK(out->payloads() == numbered("m", 1, 150));
    CHECK(out->flush_count() >= 1);
    CHECK(out->size_at_last_flush() == 150);
    CHECK(errors->size() == 0);
}

TEST_CASE("coro_sink_st drains on destruction too", "[lifetime]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    {
        spdlog::sinks::coro_sink_st sink({out},
                                         lifetime_options(clock, errors, coro_driver::manual, 10));
        for (const auto &p : numbered("m", 1, 7)) log_direct(sink, p);
    }
    CHECK(out->payloads() == numbered("m", 1, 7));
    CHECK(out->flush_count() == 1);
}

TEST_CASE("the destructor gives up after flush_timeout on a sink that keeps failing",
          "[lifetime]") {
    auto clock = std::make_shared<fake_clock>();
    clock->set_auto_step(1ms);  // the destructor's wait loop re-reads the clock
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    out->fail_always(true);
    auto options = lifetime_options(clock, errors, coro_driver::manual, 100);
    options.flush_timeout = 200ms;
    options.max_restarts = 1000;  // no fallback: only the timeout can end the drain
    auto fallback = std::make_shared<test_sink>();
    const bool with_fallback_sink = GENERATE(true, false);
    if (with_fallback_sink) options.fallback_sink = fallback;
    auto sink = make_coro({out}, options);
    for (const auto &p : numbered("m", 1, 7)) log_direct(*sink, p);
    const auto errors_before = errors->size();

    const auto started = clock->peek();
    sink.reset();  // must return
    const auto spent = clock->peek() - started;
    CHECK(spent <= options.flush_timeout + 50ms);
    CHECK(out->size() == 0);

    if (with_fallback_sink) {
        // What could not be written went to the fallback sink, in order.
        CHECK(fallback->payloads() == numbered("m", 1, 7));
    } else {
        // It was reported: something beyond the sink's own failure messages says 7 were lost.
        const auto all = errors->all();
        bool loss_reported = false;
        for (std::size_t i = errors_before; i < all.size(); ++i) {
            if (all[i].find(out->failure_text()) == std::string::npos &&
                all[i].find('7') != std::string::npos) {
                loss_reported = true;
            }
        }
        CHECK(loss_reported);
    }
}

TEST_CASE("spdlog::shutdown() and spdlog::drop() write the tail", "[lifetime]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    const bool use_shutdown = GENERATE(true, false);
    const std::string name = std::string("registered-") + (use_shutdown ? "shutdown-" : "drop-") +
                             std::to_string(static_cast<int>(driver));
    std::weak_ptr<coro_sink_mt> weak_sink;
    {
        auto sink = make_coro({out}, lifetime_options(clock, errors, driver, 100));
        weak_sink = sink;
        auto logger = std::make_shared<spdlog::logger>(name, sink);
        spdlog::register_logger(logger);
    }
    spdlog::get(name)->info("m1");
    spdlog::get(name)->info("m2");
    spdlog::get(name)->info("m3");
    CHECK(out->size() == 0);

    if (use_shutdown) {
        spdlog::shutdown();
    } else {
        spdlog::drop(name);
    }
    CHECK(weak_sink.expired());  // the registry held the last reference
    CHECK(out->payloads() == numbered("m", 1, 3));
    CHECK(out->flush_count() >= 1);
}

#if defined(__unix__)
// ThreadSanitizer does not support a child that starts threads after a multi-threaded fork,
// so the thread driver's case is skipped in that build.

TEST_CASE("a sink owned by spdlog's registry is drained at process exit", "[lifetime]") {
    #if defined(SPDLOG_CORO_TEST_TSAN)
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    #else
    const auto driver =
        GENERATE(coro_driver::cooperative, coro_driver::manual, coro_driver::thread);
    #endif
    const std::string path = "/tmp/spdlog_coro_exit_test_" +
                             std::to_string(static_cast<long>(::getpid())) + "_" +
                             spdlog::sinks::to_string(driver) + ".log";
    std::remove(path.c_str());
    const child_end end = run_child([&] {
        // The child registers a logger and exits without dropping it: spdlog's registry,
        // a static, destroys the sink (and joins the worker thread) during exit.
        auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, true);
        coro_sink_options o;
        o.driver = driver;
        o.batch_size = 1000;
        auto sink = std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{file}, o);
        auto logger = std::make_shared<spdlog::logger>("at-exit", sink);
        logger->set_pattern("%v");
        spdlog::register_logger(logger);
        for (int i = 1; i <= 100; ++i) logger->info("line {}", i);
        logger.reset();
        sink.reset();
        file.reset();
        std::exit(0);
    });
    // A hang in static destruction fails here instead of blocking the test.
    INFO("the child " << end.describe());
    REQUIRE(end.exited_with(0));

    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    CHECK(lines == numbered("line ", 1, 100));
    std::remove(path.c_str());
}
#endif

TEST_CASE("a wrapped sink that logs into its own logger neither deadlocks nor loses it",
          "[lifetime]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    auto sink = make_coro({out}, lifetime_options(clock, errors, driver, 1));
    auto logger = std::make_shared<spdlog::logger>("loopback", sink);
    std::weak_ptr<spdlog::logger> weak_logger = logger;
    out->on_log([weak_logger](const recorded_msg &m) {
        if (m.payload.rfind("echo", 0) == 0) return;
        if (auto l = weak_logger.lock()) l->warn("echo {}", m.payload);
    });

    logger->info("m1");
    if (driver == coro_driver::manual) CHECK(sink->poll() == 1);
    CHECK(out->payloads() == numbered("m", 1, 1));
    CHECK(sink->stats().queue_size == 1);  // the echo is queued, not lost, not written inline

    sink->flush();
    CHECK(out->payloads() == std::vector<std::string>{"m1", "echo m1"});
    CHECK(out->messages()[1].level == spdlog::level::warn);
    const auto s = sink->stats();
    CHECK(s.messages_submitted == 2);
    CHECK(s.messages_dropped == 0);
    check_counting(s);
    out->on_log(nullptr);
}

TEST_CASE("wrapped sinks logging back from several threads through coro_sink_mt",
          "[lifetime][mt]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    auto options = lifetime_options(clock, errors, driver, 4);
    options.max_queue_size = 10000;
    auto sink = make_coro({out}, options);
    auto logger = std::make_shared<spdlog::logger>("loopback-mt", sink);
    std::weak_ptr<spdlog::logger> weak_logger = logger;
    out->on_log([weak_logger](const recorded_msg &m) {
        if (m.payload.rfind("echo", 0) == 0) return;
        if (auto l = weak_logger.lock()) l->info("echo {}", m.payload);
    });

    std::vector<std::thread> threads;
    for (int k = 0; k < 4; ++k) {
        threads.emplace_back([&, k] {
            for (int i = 0; i < 200; ++i) {
                logger->info("t{}-{}", k, i);
                if (i % 10 == 0) sink->poll();
            }
        });
    }
    for (auto &t : threads) t.join();
    sink->flush();  // writes the originals; their echoes may be queued during it
    sink->flush();  // writes the echoes queued by the first flush
    out->on_log(nullptr);

    const auto s = sink->stats();
    CHECK(s.messages_submitted == 1600);
    CHECK(s.messages_dropped == 0);
    CHECK(s.queue_size == 0);
    CHECK(out->size() == 1600);
    check_counting(s);
}

TEST_CASE("a fallback sink that logs back while the sink writes synchronously", "[lifetime]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    out->fail_always(true);
    auto fallback = std::make_shared<test_sink>();
    auto options = lifetime_options(clock, errors, coro_driver::cooperative, 1);
    options.max_restarts = 0;
    options.fallback_sink = fallback;
    auto sink = make_coro({out}, options);
    auto logger = std::make_shared<spdlog::logger>("loopback-fallback", sink);
    std::weak_ptr<spdlog::logger> weak_logger = logger;
    fallback->on_log([weak_logger](const recorded_msg &m) {
        if (m.payload.rfind("echo", 0) == 0) return;
        if (auto l = weak_logger.lock()) l->info("echo {}", m.payload);
    });

    logger->info("m1");  // crashes the worker: fallback
    logger->info("m2");  // synchronous; the fallback sink logs back from inside the write
    sink->flush();
    fallback->on_log(nullptr);

    // Each message exactly once; each echo after the message that caused it.
    const auto got = fallback->payloads();
    auto at = [&](const std::string &p) {
        return std::find(got.begin(), got.end(), p) - got.begin();
    };
    CHECK(got.size() == 4);
    for (const std::string p : {"m1", "m2", "echo m1", "echo m2"}) {
        CHECK(std::count(got.begin(), got.end(), p) == 1);
    }
    CHECK(at("m1") < at("m2"));
    CHECK(at("m1") < at("echo m1"));
    CHECK(at("m2") < at("echo m2"));
    CHECK(out->size() == 0);
    const auto s = sink->stats();
    CHECK(s.messages_submitted == 4);
    CHECK(s.queue_size == 0);
    check_counting(s);
}
