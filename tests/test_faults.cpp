// test_faults.cpp - faults that play out over time, on the injected clock: a wrapped sink that
// throws during a window of time and then recovers, and a slow sink whose every write takes
// 1 to 50 ms of that clock. What was written where, what was counted, what the error handler
// got, and when restarts, fallback, recovery, time triggers, flush timeouts and block
// timeouts happened; the counting identity after every step.
//
// Not repeated here: single failure kinds and the backoff sequence (test_failures.cpp), the
// triggers with instant sinks (test_triggers.cpp), block_timeout with a sink that cannot make
// room at all (test_overflow.cpp, test_thread_driver.cpp), a flush timing out on a sink with
// a constant 5 ms write (test_flush.cpp).

#include "catch.h"
#include "fake_clock.h"
#include "test_options_helper.h"
#include "test_sink.h"

#include <spdlog/sinks/coro_sink.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using spdlog::sinks::coro_driver;
using spdlog::sinks::coro_sink_mt;
using spdlog::sinks::coro_worker_state;
using spdlog::sinks::overflow_strategy;

namespace {

// How long the n-th write (from 0) of a slow sink takes: 12, 49, 36, 23, 10, 47, ... ms;
// every value of 1..50 once in any 50 writes, the same on every run.
std::chrono::milliseconds slow_write(std::size_t n) {
    return std::chrono::milliseconds(1 + (n * 37 + 11) % 50);
}

// The writes of a slow sink so far. Touched only by the thread that writes.
struct slow_writes {
    std::size_t count = 0;
    std::chrono::milliseconds total{0};

    // Called by the sink's hook: this write takes the next duration of injected time.
    void one(fake_clock &clock) {
        const auto d = slow_write(count++);
        total += d;
        clock.advance(d);
    }
};

// The cases with a slow sink start from this: a fake clock, the error log, and a wrapped
// sink whose every write takes the next slow_write() of the clock.
struct slow_sink_setup {
    std::shared_ptr<fake_clock> clock = std::make_shared<fake_clock>();
    std::shared_ptr<error_log> errors = std::make_shared<error_log>();
    std::shared_ptr<test_sink> out = std::make_shared<test_sink>();
    std::shared_ptr<slow_writes> writes = std::make_shared<slow_writes>();

    slow_sink_setup() {
        out->on_log(
            [clock = clock, writes = writes](const recorded_msg &) { writes->one(*clock); });
    }
    spdlog::sinks::coro_sink_options options(coro_driver driver,
                                             std::size_t batch_size,
                                             std::size_t max_queue_size) const {
        return test_options(driver, batch_size, max_queue_size, clock, errors);
    }
};

std::string name(const char *prefix, long n) { return prefix + std::to_string(n); }

// A change of the worker's state, and the millisecond of the test it was seen at.
struct state_change {
    long ms;
    coro_worker_state state;
    std::uint64_t restarts;
    bool operator==(const state_change &) const = default;
};

std::ostream &operator<<(std::ostream &os, const state_change &c) {
    const char *names[] = {"running", "backing_off", "fallback"};
    return os << "{" << c.ms << " ms, " << names[static_cast<int>(c.state)] << ", " << c.restarts
              << " restarts}";
}

}  // namespace

TEST_CASE("a sink down from t=100 to 400 ms: backoff, fallback and recovery exactly on time",
          "[faults]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    auto fallback = std::make_shared<test_sink>();
    // Down during [100, 400) ms, and again during [500, 510) ms: a failure after the
    // recovery starts a new sequence, with the first backoff again.
    const auto start = clock->peek();
    out->fail_when([clock, start] {
        const auto t = clock->peek() - start;
        return (t >= 100ms && t < 400ms) || (t >= 500ms && t < 510ms);
    });
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    auto options = test_options(driver, 1, 100, clock, errors);
    options.restart_backoff = 10ms;
    options.max_restart_backoff = 50ms;
    options.max_restarts = 4;
    options.fallback_sink = fallback;
    auto sink = make_coro({out}, options);
    const let_time_run_at_exit unfreeze(clock);

    // One message every 10 ms; every 1 ms the worker is pumped until it has nothing to do.
    // Each change of the worker's state is recorded with the millisecond it happened at.
    std::vector<state_change> changes;
    auto last = sink->stats();
    for (long ms = 0; ms <= 600; ++ms) {
        if (ms % 10 == 0) log_direct(*sink, name("m", ms));
        while (sink->poll() > 0) {
        }
        const auto s = sink->stats();
        INFO("at " << ms << " ms");
        check_counting(s);
        if (s.worker_state != last.worker_state || s.worker_restarts != last.worker_restarts) {
            changes.push_back({ms, s.worker_state, s.worker_restarts});
        }
        last = s;
        clock->advance(1ms);
    }

    // Crash at 100; restarts after 10, 20, 40 and 50 (40 * 2 capped) ms, each crashing
    // again; the 5th failure in a row exceeds max_restarts: fallback at 220. The first
    // message the sink takes again (m400) ends the fallback. At 500 a new failure waits the
    // first backoff, 10 ms, and the restart at 510 writes.
    using st = coro_worker_state;
    const std::vector<state_change> expected = {
        {100, st::backing_off, 0}, {110, st::backing_off, 1}, {130, st::backing_off, 2},
        {170, st::backing_off, 3}, {220, st::fallback, 4},    {400, st::running, 4},
        {500, st::backing_off, 4}, {510, st::running, 5},
    };
    CHECK(changes == expected);

    // Up: written. Down and in fallback: to the fallback sink, in order, m100 first (it
    // waited through the backoffs). m500 waited out its backoff and was written.
    std::vector<std::string> written, spooled;
    for (long ms = 0; ms <= 600; ms += 10) {
        (ms >= 100 && ms < 400 ? spooled : written).push_back(name("m", ms));
    }
    CHECK(out->payloads() == written);
    CHECK(fallback->payloads() == spooled);

    // 5 crashes on m100, 30 refusals in fallback (m100..m390), 1 crash on m500.
    CHECK(out->log_failures() == 36);
    const auto s = sink->stats();
    CHECK(s.messages_submitted == 61);
    CHECK(s.messages_processed == 61);
    CHECK(s.messages_failed == 0);
    CHECK(s.messages_dropped == 0);
    CHECK(s.queue_size == 0);
    CHECK(s.backend_errors == 36);
    CHECK(s.worker_restarts == 5);
    CHECK(s.fallback_activations == 1);
    CHECK(s.fallback_writes == 30);
    CHECK(s.flush_timeouts == 0);
    CHECK(s.worker_state == coro_worker_state::running);
    check_counting(s);

    // The error handler got each refusal, and the supervisor's decisions in order.
    CHECK(errors->count_containing("threw from log(): simulated sink failure") == 36);
    std::vector<std::string> decisions;
    for (const auto &e : errors->all()) {
        if (e.find("simulated sink failure") == std::string::npos) decisions.push_back(e);
    }
    const std::vector<std::string> expected_decisions = {
        "(1 consecutive failure(s)); restarting in 10ms",
        "(2 consecutive failure(s)); restarting in 20ms",
        "(3 consecutive failure(s)); restarting in 40ms",
        "(4 consecutive failure(s)); restarting in 50ms",
        "worker failed 5 times in a row; falling back to synchronous writing",
        "leaving synchronous fallback",
        "(1 consecutive failure(s)); restarting in 10ms",
    };
    REQUIRE(decisions.size() == expected_decisions.size());
    for (std::size_t i = 0; i < decisions.size(); ++i) {
        INFO(decisions[i]);
        CHECK(decisions[i].find(expected_decisions[i]) != std::string::npos);
    }
}

// The slow-sink cases below run with the cooperative and manual drivers, where the thread
// that logs, polls or flushes does the writing, so every outcome follows from the clock.
// Not with the thread driver, whose worker thread evaluates the time trigger at its own
// 1 ms slices and does not stop at a flush's deadline: which messages join a batch, and how
// far a batch gets before a waiting flush_for() notices its deadline, depend on scheduling.
// (The time trigger and flush on that driver are covered on a still clock in
// test_thread_driver.cpp.) block_timeout, the one rule that needs a second thread, is tested
// on the thread driver below, with a handshake that makes it deterministic.

TEST_CASE("a slow sink: the time trigger fires on the clock its writes advance", "[faults]") {
    const slow_sink_setup slow;
    const auto &[clock, errors, out, writes] = slow;
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    auto options = slow.options(driver, 100, 1000);
    options.flush_interval = 100ms;
    auto sink = make_coro({out}, options);

    // A message every 10 ms of the application's own time; the writes add theirs. At each
    // log() (and poll(), manual) the worker must write exactly when the oldest waiting
    // message is flush_interval old, on the clock as the slow writes left it.
    std::vector<fake_clock::time_point> logged_at;
    std::size_t time_steps = 0;
    for (long i = 0; i < 300; ++i) {
        const auto now = clock->peek();
        const std::size_t written = out->size();
        const bool due = written < logged_at.size() && now - logged_at[written] >= 100ms;
        const auto flushes = out->flush_count();
        const auto write_time = writes->total;
        logged_at.push_back(now);
        log_direct(*sink, name("m", i));
        if (driver == coro_driver::manual) sink->poll();
        INFO("message " << i << (due ? ": due" : ": not due"));
        if (due) {
            ++time_steps;
            CHECK(out->size() == logged_at.size());  // everything waiting: less than a batch
            CHECK(out->flush_count() == flushes + 1);
            CHECK(out->size_at_last_flush() == out->size());
            CHECK(clock->peek() - now == writes->total - write_time);  // the writes' time
        } else {
            CHECK(out->size() == written);
            CHECK(out->flush_count() == flushes);
        }
        check_counting(sink->stats());
        clock->advance(10ms);
    }
    CHECK(time_steps >= 10);  // batches of about 11, each written 100..110 ms after its first

    sink->flush();
    CHECK(out->payloads() == numbered("m", 0, 299));
    const auto s = sink->stats();
    CHECK(s.messages_processed == 300);
    CHECK(s.flush_timeouts == 0);
    check_counting(s);
    CHECK(errors->size() == 0);
}

TEST_CASE("a slow sink: flush_for gives up between batches once its time is spent", "[faults]") {
    const slow_sink_setup slow;
    const auto &[clock, errors, out, writes] = slow;
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    auto sink = make_coro({out}, slow.options(driver, 5, 1000));
    // The wrapped sink logs three messages of its own into the sink for each message m<n>
    // (as a network sink reporting its reconnections would): they queue up behind the
    // batch being written, so the flush below faces a backlog of three batches.
    std::weak_ptr<coro_sink_mt> weak = sink;
    // Init-captures under new names: `clock` and `writes` above are structured bindings,
    // which a capture of the same name would shadow (Clang's -Wshadow says so).
    out->on_log([c = slow.clock, w = slow.writes, weak](const recorded_msg &m) {
        w->one(*c);
        if (m.payload[0] != 'm') return;
        if (auto self = weak.lock()) {
            for (const char *k : {"a", "b", "c"}) log_direct(*self, "e" + m.payload.substr(1) + k);
        }
    });

    for (long i = 1; i <= 5; ++i) log_direct(*sink, name("m", i));  // cooperative: writes m1..m5
    if (driver == coro_driver::manual) CHECK(sink->poll() == 5);
    REQUIRE(out->size() == 5);
    auto s = sink->stats();
    REQUIRE(s.queue_size == 15);
    check_counting(s);

    // flush_for writes a batch of 5 per step and looks at its deadline after each: the
    // steps it gets are those that start before the slow writes pass the deadline.
    const auto timeout = 200ms;
    std::size_t expect_written = 0;
    std::chrono::milliseconds spent{0};
    for (std::size_t n = writes->count; expect_written < 15 && spent <= timeout;) {
        for (int k = 0; k < 5; ++k) spent += slow_write(n++);
        expect_written += 5;
    }
    REQUIRE(expect_written == 10);  // 155 ms, then 285 ms: two batches, one left
    const auto before = clock->peek();
    CHECK_FALSE(sink->flush_for(timeout));
    CHECK(clock->peek() - before == spent);
    CHECK(out->size() == 5 + expect_written);
    s = sink->stats();
    CHECK(s.flush_timeouts == 1);
    CHECK(s.queue_size == 15 - expect_written);
    CHECK(s.backend_errors == 0);
    check_counting(s);
    CHECK(errors->count_containing("flush timed out after 200ms with 5 messages still queued") ==
          1);

    // The rest is written by the next flush, in the order it was queued, each message once.
    CHECK(sink->flush_for(100000ms));
    std::vector<std::string> expected = {"m1", "m2", "m3", "m4", "m5"};
    for (long i = 1; i <= 5; ++i) {
        for (const char *k : {"a", "b", "c"}) expected.push_back(name("e", i) + k);
    }
    CHECK(out->payloads() == expected);
    s = sink->stats();
    CHECK(s.flush_timeouts == 1);
    CHECK(s.messages_processed == 20);
    check_counting(s);
}

TEST_CASE("a slow sink under block: a producer busy writing the batch itself is not timed out",
          "[faults]") {
    const slow_sink_setup slow;
    const auto &[clock, errors, out, writes] = slow;
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    auto options = slow.options(driver, 4, 4);
    options.overflow = overflow_strategy::block;
    options.block_timeout = 20ms;
    auto sink = make_coro({out}, options);

    // With one producer, room is made by that producer running the worker inline (manual:
    // when the queue is full; cooperative: at every batch, so it never fills). Such a call
    // takes a whole batch of slow writes, far over block_timeout, but it is not waiting for
    // room: block_timeout bounds waiting for another thread, not one's own writing.
    std::chrono::nanoseconds longest{0};
    for (long i = 1; i <= 40; ++i) {
        const auto before = clock->peek();
        log_direct(*sink, name("m", i));
        longest = std::max<std::chrono::nanoseconds>(longest, clock->peek() - before);
        check_counting(sink->stats());
    }
    CHECK(longest > 4 * options.block_timeout);
    auto s = sink->stats();
    CHECK(s.block_timeouts == 0);
    CHECK(s.messages_dropped == 0);
    CHECK(s.queue_high_water <= 4);

    sink->flush();
    CHECK(out->payloads() == numbered("m", 1, 40));
    s = sink->stats();
    CHECK(s.messages_processed == 40);
    check_counting(s);
}

TEST_CASE(
    "slow sink under block on the thread driver: a producer drops iff a write outlasts "
    "block_timeout",
    "[faults]") {
    // Two threads, yet deterministic: the clock moves only inside the slow writes, on the
    // worker thread, and a write moves it only once the producer is known to be blocked
    // for room, and returns only once the producer has looked at the new time. So each
    // blocked log() waits through exactly one write, from the time the previous write ended,
    // and drops its message iff that write lasts block_timeout or more.
    struct producer {
        std::mutex mutex;
        bool in_log = false;
        bool done = false;
        std::uint64_t log_seq = 0;            // log() calls begun
        std::uint64_t reads_at_start = 0;     // `reads` when the current log() began
        std::atomic<std::uint64_t> reads{0};  // clock reads made on the producer's thread
        std::thread::id id = std::this_thread::get_id();

        struct mark {
            std::uint64_t seq, reads;
        };
        mark now() {
            std::lock_guard<std::mutex> lock(mutex);
            return {log_seq, reads.load()};
        }
        // Done, or inside a log() that found no room after `m`: such a call reads the clock
        // once per failed attempt, so two reads after `m` (or since a log() begun after `m`)
        // mean an attempt failed after `m`, that is after the previous write freed a place.
        bool blocked_since(mark m) {
            std::lock_guard<std::mutex> lock(mutex);
            if (done) return true;
            if (!in_log) return false;
            return reads.load() - (log_seq == m.seq ? m.reads : reads_at_start) >= 2;
        }
        bool finished() {
            std::lock_guard<std::mutex> lock(mutex);
            return done;
        }
        void begin_log() {
            std::lock_guard<std::mutex> lock(mutex);
            in_log = true;
            ++log_seq;
            reads_at_start = reads.load();
        }
        void end_log() {
            std::lock_guard<std::mutex> lock(mutex);
            in_log = false;
        }
        void finish() {
            std::lock_guard<std::mutex> lock(mutex);
            done = true;
        }
    };
    // Bounded real-time waits: they only pace the handshake. A handshake that times out is
    // recorded, and fails the test instead of hanging it.
    std::atomic<bool> handshake_failed{false};
    const auto await = [&handshake_failed](auto pred) {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!pred()) {
            if (std::chrono::steady_clock::now() > deadline) {
                handshake_failed = true;
                return;
            }
            std::this_thread::yield();
        }
    };

    auto clock = std::make_shared<fake_clock>();
    auto p = std::make_shared<producer>();
    auto out = std::make_shared<test_sink>();
    auto writes = std::make_shared<slow_writes>();
    out->on_log([&, clock, p, writes](const recorded_msg &) {
        const auto entry = p->now();  // the previous write's place is free by now
        await([&] { return p->blocked_since(entry); });
        writes->one(*clock);
        const auto seen = p->reads.load();
        await([&] { return p->reads.load() > seen || p->finished(); });
    });
    auto options = test_options(coro_driver::thread, 1, 4);
    options.clock = [clock, p] {
        if (std::this_thread::get_id() == p->id) p->reads.fetch_add(1);
        return clock->now();
    };
    options.overflow = overflow_strategy::block;
    options.block_timeout = 25ms;
    auto sink = make_coro({out}, options);

    // The model: 4 messages fit; then during each write one log() is blocked, and if the
    // write lasts >= 25 ms it drops its message and the next one waits for the same write.
    constexpr long total = 30;
    std::vector<std::string> expect_written, expect_dropped;
    {
        std::deque<long> queued = {1, 2, 3, 4};
        long next = 5;
        for (std::size_t k = 0; !queued.empty(); ++k) {
            expect_written.push_back(name("p", queued.front()));
            queued.pop_front();
            if (next <= total && slow_write(k) >= options.block_timeout) {
                expect_dropped.push_back(name("p", next++));
            }
            if (next <= total) queued.push_back(next++);
        }
    }
    REQUIRE_FALSE(expect_dropped.empty());
    REQUIRE(expect_dropped.size() < expect_written.size());

    for (long i = 1; i <= total; ++i) {
        p->begin_log();
        log_direct(*sink, name("p", i));
        p->end_log();
        check_counting(sink->stats());
    }
    p->finish();
    CHECK(sink->flush_for(100000ms));
    CHECK_FALSE(handshake_failed.load());

    CHECK(out->payloads() == expect_written);
    const auto s = sink->stats();
    CHECK(s.block_timeouts == expect_dropped.size());
    CHECK(s.queue_overflows == 0);
    CHECK(s.messages_processed == expect_written.size());
    CHECK(s.queue_size == 0);
    check_counting(s);
}
