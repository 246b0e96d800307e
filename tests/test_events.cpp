// test_events.cpp - monitoring: on_event calls for overflow, backend errors, restarts,
// fallback, recovery and flush timeouts; their rate limit and coalescing on the injected
// clock; where they run; and the stats that go with them (oldest message age, recoveries).

#include "catch.h"
#include "fake_clock.h"
#include "test_options_helper.h"
#include "test_sink.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/coro_sink.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using spdlog::sinks::coro_driver;
using spdlog::sinks::coro_event_kind;
using spdlog::sinks::coro_sink_event;
using spdlog::sinks::coro_sink_mt;
using spdlog::sinks::coro_sink_options;
using spdlog::sinks::overflow_strategy;

namespace {

// Collects on_event calls; thread-safe.
class event_log {
public:
    static spdlog::sinks::coro_event_handler handler_for(const std::shared_ptr<event_log> &log) {
        return [log](const coro_sink_event &e) { log->add(e); };
    }
    void add(const coro_sink_event &e) {
        std::lock_guard<std::mutex> lock(mutex_);
        events_.push_back(e);
    }
    std::vector<coro_sink_event> of(coro_event_kind kind) const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<coro_sink_event> out;
        for (const auto &e : events_) {
            if (e.kind == kind) out.push_back(e);
        }
        return out;
    }
    std::vector<std::uint64_t> counts(coro_event_kind kind) const {
        std::vector<std::uint64_t> out;
        for (const auto &e : of(kind)) out.push_back(e.count);
        return out;
    }
    std::uint64_t sum(coro_event_kind kind) const {
        const auto c = counts(kind);
        return std::accumulate(c.begin(), c.end(), std::uint64_t{0});
    }
    std::vector<coro_event_kind> kinds() const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<coro_event_kind> out;
        for (const auto &e : events_) out.push_back(e.kind);
        return out;
    }

private:
    mutable std::mutex mutex_;
    std::vector<coro_sink_event> events_;
};

struct monitored {
    std::shared_ptr<fake_clock> clock = std::make_shared<fake_clock>();
    std::shared_ptr<error_log> errors = std::make_shared<error_log>();
    std::shared_ptr<event_log> events = std::make_shared<event_log>();
    std::shared_ptr<test_sink> out = std::make_shared<test_sink>();

    coro_sink_options options(coro_driver driver,
                              std::size_t batch,
                              std::size_t max_queue,
                              std::chrono::milliseconds interval) {
        auto o = test_options(driver, batch, max_queue, clock, errors);
        o.on_event = event_log::handler_for(events);
        o.event_interval = interval;
        return o;
    }
};

}  // namespace

TEST_CASE("overflow events: the first at once, the rest coalesced per event_interval", "[events]") {
    monitored m;
    auto o = m.options(coro_driver::manual, 1, 2, 100ms);
    o.overflow = overflow_strategy::drop_newest;
    coro_sink_mt sink({m.out}, o);
    spdlog::logger log("events", std::shared_ptr<coro_sink_mt>(&sink, [](auto *) {}));

    for (int i = 0; i < 5; ++i) log.info("m{}", i);  // 2 queued, 3 dropped
    // The first drop is delivered at once, on the producer; the next two wait.
    REQUIRE(m.events->counts(coro_event_kind::overflow) == std::vector<std::uint64_t>{1});
    const auto first = m.events->of(coro_event_kind::overflow).front();
    CHECK(first.total == 1);
    CHECK(first.stats.queue_size == 2);

    // 99 ms later a drop is still inside the interval: nothing new.
    m.clock->advance(99ms);
    log.info("m5");
    CHECK(m.events->counts(coro_event_kind::overflow).size() == 1);

    // At 100 ms the next drop delivers everything coalesced so far, in one call.
    m.clock->advance(1ms);
    log.info("m6");
    CHECK(m.events->counts(coro_event_kind::overflow) == std::vector<std::uint64_t>{1, 4});
    CHECK(m.events->of(coro_event_kind::overflow).back().total == 5);

    // Drops inside the interval, then silence: the next worker step after the interval
    // delivers them (here a poll), without another drop.
    log.info("m7");
    log.info("m8");
    CHECK(m.events->counts(coro_event_kind::overflow).size() == 2);
    m.clock->advance(100ms);
    sink.poll();
    CHECK(m.events->counts(coro_event_kind::overflow) == std::vector<std::uint64_t>{1, 4, 2});

    const auto s = sink.stats();
    CHECK(m.events->sum(coro_event_kind::overflow) == s.messages_dropped);
    CHECK(m.events->of(coro_event_kind::overflow).back().total == s.messages_dropped);
    check_counting(s);
}

TEST_CASE(
    "event_interval 0 gives a call per occurrence, and drop_oldest and block timeouts count too",
    "[events]") {
    monitored m;
    SECTION("drop_oldest") {
        auto o = m.options(coro_driver::manual, 1, 3, 0ms);
        coro_sink_mt sink({m.out}, o);
        spdlog::logger log("events", std::shared_ptr<coro_sink_mt>(&sink, [](auto *) {}));
        for (int i = 0; i < 7; ++i) log.info("m{}", i);
        CHECK(m.events->counts(coro_event_kind::overflow) ==
              std::vector<std::uint64_t>{1, 1, 1, 1});
        CHECK(sink.stats().queue_overflows == 4);
    }
    SECTION("block with block_timeout") {
        auto o = m.options(coro_driver::manual, 1, 1, 0ms);
        o.overflow = overflow_strategy::block;
        o.block_timeout = 5ms;
        o.max_restarts = 100;
        o.restart_backoff = 1000ms;
        o.max_restart_backoff = 1000ms;
        coro_sink_mt sink({m.out}, o);
        let_time_run_at_exit unfreeze(m.clock);
        spdlog::logger log("events", std::shared_ptr<coro_sink_mt>(&sink, [](auto *) {}));
        m.out->fail_always(true);
        log.info("kept");  // queued
        m.clock->set_auto_step(1ms);
        log.info("timed out");  // makes room inline: the write fails, backoff, then timeout
        m.clock->set_auto_step(0ms);
        CHECK(sink.stats().block_timeouts == 1);
        CHECK(m.events->sum(coro_event_kind::overflow) == 1);
        m.out->heal();
    }
}

TEST_CASE("restart, backend_error, fallback and recovery events follow the supervisor",
          "[events]") {
    monitored m;
    auto o = m.options(coro_driver::manual, 1, 10, 0ms);
    o.max_restarts = 1;
    coro_sink_mt sink({m.out}, o);
    let_time_run_at_exit unfreeze(m.clock);
    spdlog::logger log("events", std::shared_ptr<coro_sink_mt>(&sink, [](auto *) {}));

    m.out->fail_always(true);
    log.info("m1");
    sink.poll();  // crash 1: backing off
    CHECK(m.events->kinds() == std::vector<coro_event_kind>{coro_event_kind::backend_error});
    m.clock->advance(10ms);
    sink.poll();  // restart, crash 2: the budget of 1 is spent: fallback
    // What one step noticed is delivered when it gives up the role, kinds in enum order.
    CHECK(m.events->kinds() == std::vector<coro_event_kind>{
                                   coro_event_kind::backend_error, coro_event_kind::backend_error,
                                   coro_event_kind::restart, coro_event_kind::fallback});
    m.out->heal();
    sink.poll();  // fallback writes m1 synchronously: recovery
    CHECK(m.events->of(coro_event_kind::recovery).size() == 1);

    const auto s = sink.stats();
    CHECK(s.fallback_recoveries == 1);
    CHECK(m.events->sum(coro_event_kind::restart) == s.worker_restarts);
    CHECK(m.events->sum(coro_event_kind::backend_error) == s.backend_errors);
    CHECK(m.events->sum(coro_event_kind::fallback) == s.fallback_activations);
    CHECK(m.events->of(coro_event_kind::recovery).front().stats.worker_state ==
          spdlog::sinks::coro_worker_state::running);
    CHECK(m.out->payloads() == std::vector<std::string>{"m1"});
}

TEST_CASE("a flush_timeout event, and a handler that flushes and logs into the same sink",
          "[events]") {
    monitored m;
    auto o = m.options(coro_driver::manual, 1, 100, 0ms);
    std::shared_ptr<coro_sink_mt> sink;
    std::shared_ptr<spdlog::logger> log;
    int reentered = 0;
    o.on_event = [&, events = m.events](const coro_sink_event &e) {
        events->add(e);
        if (reentered++ == 0) {
            log->info("from the handler");
            sink->flush();
        }
    };
    o.restart_backoff = 1000ms;
    o.max_restart_backoff = 1000ms;
    o.flush_timeout = 50ms;
    sink = std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{m.out}, o);
    log = std::make_shared<spdlog::logger>("events", sink);
    let_time_run_at_exit unfreeze(m.clock);

    m.out->fail_next(1);
    log->info("m1");
    m.clock->set_auto_step(1ms);
    // The write fails (backend_error, delivered after the flush gives the role back); the
    // flush then waits out part of the 1 s backoff and times out at 50 ms.
    CHECK_FALSE(sink->flush_for(50ms));
    m.clock->set_auto_step(0ms);
    CHECK(m.events->of(coro_event_kind::flush_timeout).size() >= 1);
    CHECK(m.events->of(coro_event_kind::backend_error).size() == 1);
    // The handler ran outside the worker role: its own log and flush went through (the
    // flush found the worker backing off, hence a second flush_timeout).
    CHECK(reentered >= 2);
    m.clock->advance(1000ms);
    CHECK(sink->flush_for(50ms));
    CHECK(m.out->payloads() == std::vector<std::string>{"m1", "from the handler"});
    check_counting(sink->stats());
}

TEST_CASE("a throwing on_event handler is reported and changes nothing else", "[events]") {
    monitored m;
    auto o = m.options(coro_driver::manual, 1, 1, 0ms);
    o.overflow = overflow_strategy::drop_newest;
    o.on_event = [](const coro_sink_event &) { throw std::runtime_error("pager down"); };
    coro_sink_mt sink({m.out}, o);
    spdlog::logger log("events", std::shared_ptr<coro_sink_mt>(&sink, [](auto *) {}));
    log.info("m1");
    log.info("m2");  // dropped: the handler throws
    CHECK(m.errors->any_containing("on_event handler threw: pager down"));
    sink.flush();
    CHECK(m.out->payloads() == std::vector<std::string>{"m1"});
    check_counting(sink.stats());
}

TEST_CASE("thread driver: a coalesced event is delivered without further activity",
          "[events][thread]") {
    monitored m;
    auto o = m.options(coro_driver::thread, 1, 2, 100ms);
    o.overflow = overflow_strategy::drop_newest;
    coro_sink_mt sink({m.out}, o);
    // Hold the worker inside the wrapped sink so the queue stays full while we log.
    std::mutex gate;
    std::unique_lock<std::mutex> hold(gate);
    m.out->on_log([&gate](const recorded_msg &) { std::lock_guard<std::mutex> wait(gate); });
    spdlog::logger log("events", std::shared_ptr<coro_sink_mt>(&sink, [](auto *) {}));
    log.info("m1");  // the worker takes it and blocks in the hook
    while (m.out->log_attempts() == 0) std::this_thread::yield();
    log.info("m2");  // queued
    log.info("m3");  // dropped: delivered at once
    log.info("m4");  // dropped: coalesced
    hold.unlock();
    REQUIRE(m.events->counts(coro_event_kind::overflow) == std::vector<std::uint64_t>{1});
    // Only time passes now: the worker thread wakes for the pending event by itself.
    m.clock->advance(100ms);
    for (int i = 0; i < 100000 && m.events->counts(coro_event_kind::overflow).size() < 2; ++i) {
        std::this_thread::yield();
    }
    CHECK(m.events->counts(coro_event_kind::overflow) == std::vector<std::uint64_t>{1, 1});
    sink.flush();
    check_counting(sink.stats());
}

TEST_CASE("stats: oldest_message_age on the injected clock", "[events][stats]") {
    monitored m;
    auto o = m.options(coro_driver::manual, 10, 100, 0ms);
    o.restart_backoff = 5ms;
    o.max_restart_backoff = 5ms;
    coro_sink_mt sink({m.out}, o);
    let_time_run_at_exit unfreeze(m.clock);
    spdlog::logger log("events", std::shared_ptr<coro_sink_mt>(&sink, [](auto *) {}));

    CHECK(sink.stats().oldest_message_age == 0ns);
    log.info("m1");
    m.clock->advance(30ms);
    log.info("m2");
    CHECK(sink.stats().oldest_message_age == 30ms);
    // A message kept for a retry after a failed write still counts as queued and waiting.
    m.out->fail_next(1);
    m.clock->advance(1000ms);  // the time trigger is due
    sink.poll();
    CHECK(sink.stats().queue_size == 2);
    CHECK(sink.stats().oldest_message_age == 1030ms);
    m.clock->advance(5ms);
    sink.flush();
    CHECK(sink.stats().queue_size == 0);
    CHECK(sink.stats().oldest_message_age == 0ns);
}

TEST_CASE("event options from text, and the kinds' names", "[events][options]") {
    CHECK(coro_sink_options::parse("event_interval=250ms").event_interval == 250ms);
    CHECK(coro_sink_options::parse("event_interval=0ms").event_interval == 0ms);
    CHECK(std::string(to_string(coro_event_kind::flush_timeout)) == "flush_timeout");
    CHECK(std::string(to_string(static_cast<coro_event_kind>(99))) == "unknown");
}

TEST_CASE("a huge event_interval still rate-limits (the gate saturates)", "[events]") {
    monitored m;
    auto o = m.options(coro_driver::manual, 1, 1, std::chrono::milliseconds::max());
    o.overflow = overflow_strategy::drop_newest;
    coro_sink_mt sink({m.out}, o);
    spdlog::logger log("events", std::shared_ptr<coro_sink_mt>(&sink, [](auto *) {}));
    for (int i = 0; i < 4; ++i) log.info("m{}", i);
    CHECK(m.events->counts(coro_event_kind::overflow) == std::vector<std::uint64_t>{1});
}

TEST_CASE("a handler that logs into its own full sink is not re-entered", "[events]") {
    monitored m;
    auto o = m.options(coro_driver::manual, 1, 1, 0ms);
    std::shared_ptr<coro_sink_mt> sink;
    int depth = 0;
    int max_depth = 0;
    o.on_event = [&](const coro_sink_event &e) {
        if (e.kind != coro_event_kind::overflow) return;
        max_depth = std::max(max_depth, ++depth);
        if (depth < 50) {
            spdlog::details::log_msg msg("events", spdlog::level::warn, "dropped one");
            sink->log(msg);  // evicts again: an overflow inside the handler
        }
        --depth;
    };
    sink = std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{m.out}, o);
    spdlog::logger log("events", sink);
    log.info("a");
    log.info("b");  // evicts a: the handler runs once, its own drop stays pending
    CHECK(max_depth == 1);
    log.info("c");  // the next drop delivers the pending one together with its own
    CHECK(max_depth == 1);
    check_counting(sink->stats());
}

TEST_CASE("thread driver: a handler on the worker thread may flush without waiting for itself",
          "[events][thread]") {
    monitored m;
    auto o = m.options(coro_driver::thread, 1, 100, 0ms);
    o.restart_backoff = 0ms;
    std::shared_ptr<coro_sink_mt> sink;
    std::atomic<int> flushed{-1};  // -1: the handler has not run yet
    o.on_event = [&](const coro_sink_event &e) {
        if (e.kind != coro_event_kind::backend_error || flushed.load() >= 0) return;
        flushed = sink->flush_for(std::chrono::milliseconds::max()) ? 1 : 0;
    };
    sink = std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{m.out}, o);
    spdlog::logger log("events", sink);
    m.out->fail_next(1);
    log.info("x");
    // Waits on a real condition; the flush inside the handler is what could hang.
    for (int i = 0; i < 1000000 && flushed.load() < 0; ++i) std::this_thread::yield();
    CHECK(flushed.load() == 1);
    CHECK(sink->stats().flush_timeouts == 0);
    sink->flush();
    CHECK(m.out->payloads() == std::vector<std::string>{"x"});
}
