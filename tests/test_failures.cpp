// test_failures.cpp - a wrapped sink that throws: counting and reporting, the message kept,
// at-most-once delivery per wrapped sink, restart with exponential backoff on the fake
// clock, synchronous fallback after max_restarts (queue drained first, in order), the
// fallback sink, recovery, and nothing ever thrown at the caller.

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
using spdlog::sinks::coro_worker_state;

namespace {

coro_sink_options failure_options(const std::shared_ptr<fake_clock> &clock,
                                  const std::shared_ptr<error_log> &errors,
                                  coro_driver driver,
                                  std::size_t batch_size) {
    // restart_backoff 10 ms, max_restart_backoff 1000 ms, max_restarts 5: the defaults.
    return test_options(driver, batch_size, 100, clock, errors);
}

// The crashed worker is not restarted 1 ms before `delay` has passed, and is at `delay`.
void expect_restart_after(coro_sink_mt &sink, fake_clock &clock, std::chrono::milliseconds delay) {
    INFO("expected restart delay: " << delay.count() << " ms");
    const auto before = sink.stats();
    REQUIRE(before.worker_state == coro_worker_state::backing_off);
    clock.advance(delay - 1ms);
    CHECK(sink.poll() == 0);
    CHECK(sink.stats().worker_restarts == before.worker_restarts);
    CHECK(sink.stats().worker_state == coro_worker_state::backing_off);
    clock.advance(1ms);
    sink.poll();
    CHECK(sink.stats().worker_restarts == before.worker_restarts + 1);
}

// Advances time and polls until the sink has fallen back (bounded).
void drive_to_fallback(coro_sink_mt &sink, fake_clock &clock) {
    for (int i = 0; i < 50 && !sink.stats().fallback_active; ++i) {
        clock.advance(1000ms);  // past any backoff and the flush interval
        sink.poll();
    }
    REQUIRE(sink.stats().fallback_active);
}

}  // namespace

TEST_CASE("a throwing sink is counted and reported, and its message stays queued", "[failures]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    out->set_failure_text("disk on fire");
    out->fail_next(1);
    auto sink = make_coro({out}, failure_options(clock, errors, coro_driver::manual, 1));
    const let_time_run_at_exit unfreeze(clock);

    REQUIRE_NOTHROW(log_direct(*sink, "m1"));
    std::size_t written = 99;
    REQUIRE_NOTHROW(written = sink->poll());
    CHECK(written == 0);

    auto s = sink->stats();
    CHECK(s.backend_errors == 1);
    CHECK(s.queue_size == 1);
    CHECK(s.messages_processed == 0);
    CHECK(s.worker_state == coro_worker_state::backing_off);
    CHECK_FALSE(s.fallback_active);
    check_counting(s);
    CHECK(errors->any_containing("disk on fire"));
    CHECK(out->size() == 0);

    // The destructor waits out the backoff (time must pass for that) and writes m1.
    clock->set_auto_step(1ms);
    sink.reset();
    CHECK(out->payloads() == numbered("m", 1, 1));
}

TEST_CASE("the worker restarts after restart_backoff, not before, and writes at once",
          "[failures]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    out->fail_next(1);

    SECTION("manual: the first poll() after the backoff restarts and writes") {
        auto sink = make_coro({out}, failure_options(clock, errors, coro_driver::manual, 1));
        const let_time_run_at_exit unfreeze(clock);
        log_direct(*sink, "m1");
        sink->poll();  // crash at t0
        expect_restart_after(*sink, *clock, 10ms);
        CHECK(out->payloads() == numbered("m", 1, 1));
        const auto s = sink->stats();
        CHECK(s.worker_state == coro_worker_state::running);
        CHECK(s.queue_size == 0);
        CHECK(s.messages_processed == 1);
        check_counting(s);
    }
    SECTION("cooperative: the first log() after the backoff restarts and writes, no flush") {
        auto sink = make_coro({out}, failure_options(clock, errors, coro_driver::cooperative, 1));
        const let_time_run_at_exit unfreeze(clock);
        log_direct(*sink, "m1");  // the inline step crashes
        CHECK(sink->stats().backend_errors == 1);
        clock->advance(9ms);
        log_direct(*sink, "m2");  // still backing off
        CHECK(out->size() == 0);
        CHECK(sink->stats().worker_restarts == 0);
        clock->advance(1ms);
        log_direct(*sink, "m3");
        CHECK(sink->stats().worker_restarts == 1);
        const auto written = out->payloads();
        REQUIRE_FALSE(written.empty());
        CHECK(written[0] == "m1");
        sink->flush();
        CHECK(out->payloads() == numbered("m", 1, 3));
    }
}

TEST_CASE("the backoff doubles per consecutive failure: 10, 20, 40, 80, 160 ms by default",
          "[failures]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    out->fail_next(5);
    auto sink = make_coro({out}, failure_options(clock, errors, coro_driver::manual, 1));
    const let_time_run_at_exit unfreeze(clock);
    log_direct(*sink, "m1");
    sink->poll();  // crash 1

    for (const auto delay : {10ms, 20ms, 40ms, 80ms}) {
        expect_restart_after(*sink, *clock, delay);  // restart, crash again
        CHECK(out->size() == 0);
    }
    expect_restart_after(*sink, *clock, 160ms);  // 5th restart: the sink works again
    CHECK(out->payloads() == numbered("m", 1, 1));
    const auto s = sink->stats();
    CHECK(s.worker_restarts == 5);
    CHECK(s.backend_errors == 5);
    CHECK_FALSE(s.fallback_active);
    check_counting(s);
}

TEST_CASE("the backoff is capped at max_restart_backoff and a success resets it", "[failures]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    auto options = failure_options(clock, errors, coro_driver::manual, 1);
    options.restart_backoff = 10ms;
    options.max_restart_backoff = 25ms;
    options.max_restarts = 10;
    auto sink = make_coro({out}, options);
    const let_time_run_at_exit unfreeze(clock);

    out->fail_next(4);
    log_direct(*sink, "m1");
    sink->poll();  // crash 1
    expect_restart_after(*sink, *clock, 10ms);
    expect_restart_after(*sink, *clock, 20ms);
    expect_restart_after(*sink, *clock, 25ms);  // 40 capped
    expect_restart_after(*sink, *clock, 25ms);  // the 4th restart succeeds
    CHECK(out->payloads() == numbered("m", 1, 1));

    // A successful write reset the sequence: the next failure waits the first delay again.
    out->fail_next(2);
    log_direct(*sink, "m2");
    sink->poll();  // crash
    expect_restart_after(*sink, *clock, 10ms);
    expect_restart_after(*sink, *clock, 20ms);
    CHECK(out->payloads() == numbered("m", 1, 2));
    CHECK(sink->stats().worker_restarts == 6);
}

TEST_CASE("each wrapped sink receives each message at most once", "[failures]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto good = std::make_shared<test_sink>();
    auto flaky = std::make_shared<test_sink>();
    flaky->fail_next(1);
    const bool flaky_first = GENERATE(false, true);
    std::vector<spdlog::sink_ptr> sinks{good, flaky};
    if (flaky_first) sinks = {flaky, good};
    auto sink = make_coro(sinks, failure_options(clock, errors, coro_driver::manual, 1));
    const let_time_run_at_exit unfreeze(clock);

    log_direct(*sink, "m1");
    log_direct(*sink, "m2");
    sink->poll();  // m1: the good sink takes it, the flaky one throws
    CHECK(flaky->size() == 0);
    auto s = sink->stats();
    CHECK(s.backend_errors == 1);
    CHECK(s.queue_size == 2);          // m1 waits for the flaky sink
    CHECK(s.messages_processed == 0);  // not every sink has it yet
    check_counting(s);

    clock->advance(10ms);
    sink->flush();
    CHECK(good->payloads() == numbered("m", 1, 2));  // m1 not given again
    CHECK(flaky->payloads() == numbered("m", 1, 2));
    CHECK(good->log_attempts() == 2);
    s = sink->stats();
    CHECK(s.messages_processed == 2);
    check_counting(s);
}

TEST_CASE("a flush that finds the worker backing off waits for the restart, within its timeout",
          "[failures]") {
    auto clock = std::make_shared<fake_clock>();
    clock->set_auto_step(1ms);  // the flush re-reads the clock while it waits
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    out->fail_next(1);
    auto options = failure_options(clock, errors, coro_driver::manual, 1);
    options.restart_backoff = 50ms;
    auto sink = make_coro({out}, options);
    const let_time_run_at_exit unfreeze(clock);
    log_direct(*sink, "m1");
    log_direct(*sink, "m2");
    sink->poll();  // crash
    REQUIRE(sink->stats().worker_state == coro_worker_state::backing_off);

    SECTION("the backoff ends within the timeout: everything is written") {
        CHECK(sink->flush_for(1000ms));
        CHECK(out->payloads() == numbered("m", 1, 2));
        CHECK(out->flush_count() == 1);
        const auto s = sink->stats();
        CHECK(s.worker_restarts == 1);
        CHECK(s.flush_timeouts == 0);
        check_counting(s);
    }
    SECTION("the backoff outlasts the timeout: the flush gives up") {
        CHECK_FALSE(sink->flush_for(20ms));
        CHECK(out->size() == 0);
        auto s = sink->stats();
        CHECK(s.flush_timeouts == 1);
        CHECK(s.queue_size == 2);
        check_counting(s);
        CHECK(sink->flush_for(1000ms));  // a later flush gets everything
        CHECK(out->payloads() == numbered("m", 1, 2));
    }
}

TEST_CASE("after max_restarts failed restarts the sink falls back to synchronous writing",
          "[failures]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    out->fail_always(true);
    auto sink = make_coro({out}, failure_options(clock, errors, coro_driver::manual, 1));
    const let_time_run_at_exit unfreeze(clock);
    log_direct(*sink, "m1");
    sink->poll();  // crash 1

    for (const auto delay : {10ms, 20ms, 40ms, 80ms}) {
        expect_restart_after(*sink, *clock, delay);  // crashes 2..5
        CHECK_FALSE(sink->stats().fallback_active);
    }
    clock->advance(160ms);
    sink->poll();  // 5th restart, 6th crash: 5 failed restarts, fall back
    auto s = sink->stats();
    CHECK(s.worker_restarts == 5);
    CHECK(s.fallback_active);
    CHECK(s.worker_state == coro_worker_state::fallback);
    CHECK(s.fallback_activations == 1);

    sink->flush();  // m1 is offered once more; without a fallback sink it is lost
    s = sink->stats();
    CHECK(s.queue_size == 0);
    CHECK(s.messages_failed == 1);
    CHECK(s.messages_processed == 0);
    CHECK(s.backend_errors == 7);  // six crashes and the fallback attempt
    CHECK(s.fallback_active);
    check_counting(s);
}

TEST_CASE("max_restarts 0 falls back at the first failure", "[failures]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    out->fail_always(true);
    auto options = failure_options(clock, errors, coro_driver::manual, 1);
    options.max_restarts = 0;
    auto sink = make_coro({out}, options);
    const let_time_run_at_exit unfreeze(clock);
    log_direct(*sink, "m1");
    sink->poll();
    const auto s = sink->stats();
    CHECK(s.fallback_active);
    CHECK(s.worker_restarts == 0);
}

TEST_CASE("fallback drains the queue in order, then writes on the caller's thread", "[failures]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    out->fail_always(true);
    auto fallback = std::make_shared<test_sink>();
    const bool with_fallback_sink = GENERATE(true, false);
    auto options = failure_options(clock, errors, coro_driver::cooperative, 100);
    options.max_restarts = 2;
    if (with_fallback_sink) options.fallback_sink = fallback;
    auto sink = make_coro({out}, options);
    const let_time_run_at_exit unfreeze(clock);
    auto logger = std::make_shared<spdlog::logger>("falling", sink);
    int logger_errors = 0;
    logger->set_error_handler([&](const std::string &) { ++logger_errors; });

    for (int i = 1; i <= 5; ++i) logger->info("m{}", i);  // queued, no trigger yet
    drive_to_fallback(*sink, *clock);
    CHECK(sink->stats().worker_restarts == 2);

    logger->info("m6");  // drains m1..m5, then writes m6, before returning
    CHECK(sink->stats().queue_size == 0);
    logger->info("m7");
    CHECK(sink->stats().queue_size == 0);

    const auto s = sink->stats();
    CHECK(s.fallback_active);
    CHECK(out->size() == 0);
    if (with_fallback_sink) {
        CHECK(fallback->payloads() == numbered("m", 1, 7));
        CHECK(s.messages_processed == 7);
        CHECK(s.fallback_writes == 7);
        CHECK(s.messages_failed == 0);
    } else {
        CHECK(s.messages_processed == 0);
        CHECK(s.messages_failed == 7);
    }
    check_counting(s);
    CHECK(logger_errors == 0);  // nothing reached the logger
}

TEST_CASE("in fallback the manual driver still never writes from log()", "[failures]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    out->fail_always(true);
    auto fallback = std::make_shared<test_sink>();
    auto options = failure_options(clock, errors, coro_driver::manual, 100);
    options.max_restarts = 1;
    options.fallback_sink = fallback;
    auto sink = make_coro({out}, options);
    const let_time_run_at_exit unfreeze(clock);

    for (const auto &p : numbered("m", 1, 3)) log_direct(*sink, p);
    drive_to_fallback(*sink, *clock);
    const auto before = fallback->size();
    log_direct(*sink, "m4");
    CHECK(fallback->size() == before);  // log() did not write
    sink->flush();
    CHECK(fallback->payloads() == numbered("m", 1, 4));
    check_counting(sink->stats());
}

TEST_CASE("a fallback sink that throws too: the message is counted as failed", "[failures]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    out->fail_always(true);
    auto fallback = std::make_shared<test_sink>();
    fallback->fail_always(true);
    auto options = failure_options(clock, errors, coro_driver::cooperative, 100);
    options.max_restarts = 0;
    options.fallback_sink = fallback;
    auto sink = make_coro({out}, options);
    const let_time_run_at_exit unfreeze(clock);

    log_direct(*sink, "m1");
    drive_to_fallback(*sink, *clock);
    REQUIRE_NOTHROW(log_direct(*sink, "m2"));
    sink->flush();
    const auto s = sink->stats();
    CHECK(s.messages_failed == 2);
    CHECK(s.fallback_writes == 0);
    CHECK(s.messages_processed == 0);
    CHECK(s.backend_errors == 5);  // the crash, then for each message: primary and fallback
    check_counting(s);
}

TEST_CASE("recovery: a message the healed sink accepts in fallback ends the fallback",
          "[failures]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    out->fail_next(2);  // heals right after the crash that causes the fallback
    auto fallback = std::make_shared<test_sink>();
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    auto options = failure_options(clock, errors, driver, 100);
    options.max_restarts = 1;
    options.fallback_sink = fallback;
    auto sink = make_coro({out}, options);
    const let_time_run_at_exit unfreeze(clock);

    for (const auto &p : numbered("m", 1, 3)) log_direct(*sink, p);
    clock->advance(1000ms);
    sink->poll();  // crash 1 on m1
    CHECK(sink->stats().worker_state == coro_worker_state::backing_off);
    clock->advance(1000ms);
    sink->poll();  // restart, crash 2 on m1 -> fallback
    CHECK(sink->stats().fallback_activations == 1);

    log_direct(*sink, "m4");
    sink->flush();
    CHECK(out->payloads() == numbered("m", 1, 4));
    CHECK(fallback->size() == 0);
    auto s = sink->stats();
    CHECK_FALSE(s.fallback_active);
    CHECK(s.worker_state == coro_worker_state::running);
    CHECK(s.backend_errors == 2);
    check_counting(s);

    // Back to queued, batched writing: m5 waits for a trigger.
    log_direct(*sink, "m5");
    CHECK(sink->stats().queue_size == 1);
    CHECK(out->size() == 4);
    sink->flush();
    CHECK(out->payloads() == numbered("m", 1, 5));

    // The failure sequence starts from the beginning: one failure backs off, no fallback.
    out->fail_next(1);
    log_direct(*sink, "m6");
    clock->advance(1000ms);
    sink->poll();
    s = sink->stats();
    CHECK(s.worker_state == coro_worker_state::backing_off);
    CHECK(s.fallback_activations == 1);
    expect_restart_after(*sink, *clock, 10ms);
    CHECK(out->payloads() == numbered("m", 1, 6));
}

TEST_CASE("a sink throwing from flush() is counted and reported too", "[failures]") {
    auto clock = std::make_shared<fake_clock>();
    clock->set_auto_step(1ms);
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    out->set_failure_text("flush broke");
    out->fail_flush_next(1);
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    auto sink = make_coro({out}, failure_options(clock, errors, driver, 100));
    const let_time_run_at_exit unfreeze(clock);
    auto logger = std::make_shared<spdlog::logger>("flushy", sink);
    int logger_errors = 0;
    logger->set_error_handler([&](const std::string &) { ++logger_errors; });

    for (int i = 1; i <= 3; ++i) logger->info("m{}", i);
    REQUIRE_NOTHROW(logger->flush());
    auto s = sink->stats();
    CHECK(s.backend_errors == 1);
    CHECK(errors->any_containing("flush broke"));
    CHECK(logger_errors == 0);

    CHECK(sink->flush_for(1000ms));
    CHECK(out->payloads() == numbered("m", 1, 3));  // written once, not again
    CHECK(out->flush_count() >= 1);
    s = sink->stats();
    CHECK(s.messages_processed == 3);
    check_counting(s);
}

TEST_CASE("the time trigger's flush of the wrapped sinks can fail too", "[failures]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    out->fail_flush_next(1);
    auto sink = make_coro({out}, failure_options(clock, errors, coro_driver::manual, 100));
    const let_time_run_at_exit unfreeze(clock);
    log_direct(*sink, "m1");
    clock->advance(1000ms);
    REQUIRE_NOTHROW(sink->poll());
    CHECK(sink->stats().backend_errors == 1);
    CHECK(out->payloads() == numbered("m", 1, 1));
    clock->advance(1000ms);
    sink->flush();
    CHECK(out->payloads() == numbered("m", 1, 1));
    check_counting(sink->stats());
}

TEST_CASE("std::bad_alloc and non-standard exceptions from a sink are handled", "[failures]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    const auto kind = GENERATE(failure_kind::bad_alloc, failure_kind::non_standard);
    out->fail_next(1, kind);
    auto sink = make_coro({out}, failure_options(clock, errors, coro_driver::cooperative, 1));
    const let_time_run_at_exit unfreeze(clock);

    REQUIRE_NOTHROW(log_direct(*sink, "m1"));
    auto s = sink->stats();
    CHECK(s.backend_errors == 1);
    CHECK(s.queue_size == 1);
    CHECK(errors->size() >= 1);

    clock->advance(10ms);
    REQUIRE_NOTHROW(sink->flush());
    CHECK(out->payloads() == numbered("m", 1, 1));
    check_counting(sink->stats());
}

TEST_CASE("nothing a wrapped sink throws ever reaches logger->info()", "[failures]") {
    auto clock = std::make_shared<fake_clock>();
    clock->set_auto_step(1ms);
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    const auto kind =
        GENERATE(failure_kind::runtime_error, failure_kind::bad_alloc, failure_kind::non_standard);
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    out->fail_always(true, kind);
    out->fail_flush_always(true);
    auto fallback = std::make_shared<test_sink>();
    fallback->fail_always(true, kind);
    auto options = failure_options(clock, errors, driver, 1);
    options.max_restarts = 2;
    options.fallback_sink = fallback;
    options.flush_timeout = 100ms;
    auto sink = make_coro({out}, options);
    const let_time_run_at_exit unfreeze(clock);
    auto logger = std::make_shared<spdlog::logger>("shielded", sink);
    logger->flush_on(spdlog::level::warn);
    int logger_errors = 0;
    logger->set_error_handler([&](const std::string &) { ++logger_errors; });

    // Through every state: running, backing off, fallback.
    for (int i = 0; i < 30; ++i) {
        REQUIRE_NOTHROW(logger->info("m{}", i));
        REQUIRE_NOTHROW(logger->warn("w{}", i));  // flush_on: flushes too
        REQUIRE_NOTHROW(sink->poll());
        REQUIRE_NOTHROW(log_direct(*sink, "direct"));
    }
    REQUIRE_NOTHROW(sink->flush());
    REQUIRE_NOTHROW(sink->flush_for(10ms));
    CHECK(logger_errors == 0);
    const auto s = sink->stats();
    CHECK(s.fallback_active);
    CHECK(s.backend_errors > 0);
    check_counting(s);
}
