// test_event_loop.cpp - coro_driver::event_loop: resumptions handed to the application's
// scheduler on edges only, one batch per resumption, time triggers and backoff as delays,
// flush on the caller, stale resumptions after destruction, inline and throwing schedulers,
// and producers on several threads with a real loop thread.

#include "catch.h"
#include "fake_clock.h"
#include "fake_loop.h"
#include "test_options_helper.h"
#include "test_sink.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/coro_sink.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using spdlog::sinks::coro_driver;
using spdlog::sinks::coro_resume;
using spdlog::sinks::coro_sink_mt;
using spdlog::sinks::coro_sink_options;
using spdlog::sinks::overflow_strategy;

namespace {

struct loop_fixture {
    std::shared_ptr<fake_clock> clock = std::make_shared<fake_clock>();
    std::shared_ptr<error_log> errors = std::make_shared<error_log>();
    std::shared_ptr<test_sink> out = std::make_shared<test_sink>();
    std::shared_ptr<fake_loop> loop = std::make_shared<fake_loop>(clock);

    coro_sink_options options(std::size_t batch, std::size_t max_queue) {
        auto o = test_options(coro_driver::event_loop, batch, max_queue, clock, errors);
        o.scheduler = loop->scheduler();
        return o;
    }
};

spdlog::logger logger_for(const std::shared_ptr<coro_sink_mt> &sink) {
    return spdlog::logger("loop", sink);
}

}  // namespace

TEST_CASE("event_loop: resumptions on edges only, log() never writes", "[event_loop]") {
    loop_fixture f;
    auto sink =
        std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{f.out}, f.options(5, 100));
    auto log = logger_for(sink);

    log.info("m1");  // first message: a resumption at its flush deadline
    REQUIRE(f.loop->delays() == std::vector<std::chrono::nanoseconds>{1000ms});
    for (int i = 2; i <= 4; ++i) log.info("m{}", i);
    CHECK(f.loop->delays().size() == 1);  // nothing new per message
    log.info("m5");                       // a full batch: a resumption now
    CHECK(f.loop->delays() == std::vector<std::chrono::nanoseconds>{1000ms, 0ns});
    CHECK(f.out->payloads().empty());  // log() never wrote

    CHECK(f.loop->run_due() == 1);
    CHECK(f.out->payloads() == numbered("m", 1, 5));
    // The queue is empty: nothing re-armed. The 1 s resumption is still outstanding.
    CHECK(f.loop->delays().size() == 2);
    f.clock->advance(1000ms);
    CHECK(f.loop->run_due() == 1);  // a stale resumption is harmless
    CHECK(f.out->payloads().size() == 5);
    CHECK(f.loop->outstanding() == 0);
    check_counting(sink->stats());
}

TEST_CASE(
    "event_loop: the flush interval arrives as a delay, and a burst takes one batch per "
    "resumption",
    "[event_loop]") {
    loop_fixture f;
    auto sink =
        std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{f.out}, f.options(4, 100));
    auto log = logger_for(sink);

    log.info("t1");
    f.clock->advance(999ms);
    CHECK(f.loop->run_due() == 0);
    f.clock->advance(1ms);
    CHECK(f.loop->run_due() == 1);
    CHECK(f.out->payloads() == std::vector<std::string>{"t1"});
    CHECK(f.out->flush_count() >= 1);  // the time trigger flushes the wrapped sinks

    for (int i = 1; i <= 10; ++i) log.info("b{}", i);
    // 10 messages, batches of 4: the loop gets them back as three resumptions (4, 4, then the
    // last 2 at their flush deadline), so other loop work can run in between.
    CHECK(f.loop->run_due() == 2);
    CHECK(f.out->payloads().size() == 1 + 8);
    f.clock->advance(1000ms);
    f.loop->run_due();
    CHECK(f.out->payloads().size() == 11);
    check_counting(sink->stats());
}

TEST_CASE("event_loop: restart backoff becomes the resumption's delay", "[event_loop]") {
    loop_fixture f;
    auto o = f.options(1, 100);
    o.restart_backoff = 10ms;
    auto sink = std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{f.out}, o);
    let_time_run_at_exit unfreeze(f.clock);
    auto log = logger_for(sink);

    f.out->fail_next(2);
    log.info("m1");
    f.loop->run_due();  // crash 1: re-armed at the 10 ms backoff
    CHECK(f.loop->delays().back() == 10ms);
    f.clock->advance(10ms);
    f.loop->run_due();  // restart, crash 2: 20 ms
    CHECK(f.loop->delays().back() == 20ms);
    f.clock->advance(20ms);
    f.loop->run_due();
    CHECK(f.out->payloads() == std::vector<std::string>{"m1"});
    CHECK(sink->stats().worker_restarts == 2);
    check_counting(sink->stats());
}

TEST_CASE("event_loop: flush() and the destructor write on their own thread", "[event_loop]") {
    loop_fixture f;
    {
        auto sink = std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{f.out},
                                                   f.options(10, 100));
        auto log = logger_for(sink);
        log.info("f1");
        sink->flush();  // the loop never ran
        CHECK(f.out->payloads() == std::vector<std::string>{"f1"});
        log.info("f2");
    }
    CHECK(f.out->payloads() == std::vector<std::string>{"f1", "f2"});
    // The resumptions still in the loop outlive the sink: running them does nothing.
    CHECK(f.loop->outstanding() >= 1);
    f.clock->advance(10s);
    f.loop->run_due();
    CHECK(f.out->payloads().size() == 2);
}

TEST_CASE("event_loop: a resumption copied and called after the sink is gone", "[event_loop]") {
    loop_fixture f;
    std::vector<coro_resume> kept;
    {
        auto sink =
            std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{f.out}, f.options(1, 100));
        auto log = logger_for(sink);
        log.info("x");
        kept = f.loop->take_all();
        REQUIRE(kept.size() == 1);
        coro_resume copy = kept.front();  // copies share the link
        copy();
        copy();  // more than once: the second finds nothing due
        CHECK(f.out->payloads() == std::vector<std::string>{"x"});
        kept.push_back(copy);
    }
    for (const auto &r : kept) r();  // ASan would catch a touch of the freed sink
    CHECK(f.out->payloads() == std::vector<std::string>{"x"});
}

TEST_CASE("event_loop: a scheduler that runs the resumption inline", "[event_loop]") {
    auto out = std::make_shared<test_sink>();
    int calls = 0;
    auto o = test_options(coro_driver::event_loop, 2, 100);
    o.scheduler = [&calls](coro_resume resume, std::chrono::nanoseconds delay) {
        ++calls;
        if (delay == 0ns) resume();  // before returning: the sink copes without recursing
    };
    auto sink = std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{out}, o);
    auto log = logger_for(sink);
    for (int i = 1; i <= 7; ++i) log.info("i{}", i);
    CHECK(out->payloads() == numbered("i", 1, 6));  // three batches, written inline
    sink->flush();
    CHECK(out->payloads() == numbered("i", 1, 7));
    CHECK(calls >= 4);
}

TEST_CASE("event_loop: a throwing scheduler is reported and the next edge asks again",
          "[event_loop]") {
    loop_fixture f;
    auto o = f.options(1, 100);
    bool fail = true;
    o.scheduler = [&fail, loop = f.loop](coro_resume resume, std::chrono::nanoseconds delay) {
        if (fail) throw std::runtime_error("loop stopped");
        loop->schedule(std::move(resume), delay);
    };
    auto sink = std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{f.out}, o);
    auto log = logger_for(sink);
    log.info("lost edge");
    CHECK(f.errors->any_containing("scheduler threw: loop stopped"));
    fail = false;
    sink->flush();  // the queue is empty again, so the next message is an edge
    log.info("next");
    f.loop->run_due();
    CHECK(f.out->payloads() == std::vector<std::string>{"lost edge", "next"});
}

TEST_CASE(
    "event_loop: producers on four threads, a real loop thread, block: all written once, "
    "in order per thread",
    "[event_loop][stress]") {
    // A minimal real loop: a queue of resumptions served by one thread, with timers emulated
    // by re-posting until due (real time, since this test uses the real clock).
    struct real_loop {
        std::mutex m;
        std::condition_variable cv;
        std::deque<std::pair<std::chrono::steady_clock::time_point, coro_resume>> q;
        bool stop = false;
        void post(coro_resume r, std::chrono::nanoseconds delay) {
            {
                std::lock_guard<std::mutex> lock(m);
                q.emplace_back(std::chrono::steady_clock::now() + delay, std::move(r));
            }
            cv.notify_one();
        }
        void run() {
            std::unique_lock<std::mutex> lock(m);
            while (!stop || !q.empty()) {
                if (q.empty()) {
                    cv.wait(lock);
                    continue;
                }
                auto item = std::move(q.front());
                q.pop_front();
                if (item.first > std::chrono::steady_clock::now() && !stop) {
                    q.push_back(std::move(item));  // not due yet
                    cv.wait_for(lock, 100us);
                    continue;
                }
                lock.unlock();
                item.second();
                lock.lock();
            }
        }
    };
    auto loop = std::make_shared<real_loop>();
    std::thread loop_thread([loop] { loop->run(); });

    auto out = std::make_shared<test_sink>();
    auto o = test_options(coro_driver::event_loop, 16, 64);
    o.overflow = overflow_strategy::block;
    o.flush_interval = 5ms;
    o.scheduler = [loop](coro_resume r, std::chrono::nanoseconds d) {
        loop->post(std::move(r), d);
    };
    constexpr int threads = 4;
    constexpr int per_thread = 5000;
    {
        auto sink = std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{out}, o);
        auto log = std::make_shared<spdlog::logger>("loop", sink);
        std::vector<std::thread> producers;
        for (int t = 0; t < threads; ++t) {
            producers.emplace_back([log, t] {
                for (int i = 0; i < per_thread; ++i) log->info("{}:{}", t, i);
            });
        }
        for (auto &p : producers) p.join();
        sink->flush();
        const auto s = sink->stats();
        CHECK(s.messages_processed == threads * per_thread);
        CHECK(s.messages_dropped == 0);
        check_counting(s);
    }
    {
        std::lock_guard<std::mutex> lock(loop->m);
        loop->stop = true;
    }
    loop->cv.notify_one();
    loop_thread.join();

    std::vector<int> next(threads, 0);
    bool in_order = true;
    for (const auto &p : out->payloads()) {
        const auto colon = p.find(':');
        const int t = std::stoi(p.substr(0, colon));
        const int i = std::stoi(p.substr(colon + 1));
        in_order = in_order && i == next[t];
        next[t] = i + 1;
    }
    CHECK(in_order);
    CHECK(next == std::vector<int>(threads, per_thread));
}

TEST_CASE("event_loop: a resumption run inline while this thread holds the worker is not lost",
          "[event_loop]") {
    // A wrapped sink that logs into the coro sink from its flush(): that log is an edge, its
    // resumption runs inline (the scheduler below) while flush() holds the worker.
    struct logging_flush_sink : test_sink {
        std::function<void()> on_flush;
        void flush() override {
            test_sink::flush();
            if (auto f = std::exchange(on_flush, nullptr)) f();
        }
    };
    auto out = std::make_shared<logging_flush_sink>();
    auto o = test_options(coro_driver::event_loop, 1, 100);
    o.scheduler = [](coro_resume resume, std::chrono::nanoseconds delay) {
        if (delay == 0ns) resume();
    };
    auto sink = std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{out}, o);
    auto log = logger_for(sink);
    log.info("a");
    out->on_flush = [&log] { log.info("from flush"); };
    sink->flush();
    log.info("c");
    CHECK(out->payloads() == std::vector<std::string>{"a", "from flush", "c"});
    CHECK(sink->stats().queue_size == 0);
}

TEST_CASE("event_loop: a resumption the loop drops without running it is replaced",
          "[event_loop]") {
    loop_fixture f;
    auto sink =
        std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{f.out}, f.options(1, 100));
    auto log = logger_for(sink);
    log.info("a");
    f.loop->take_all();  // destroyed unrun, as by a stopped io_context
    log.info("b");       // an edge: the sink notices no resumption is alive and asks again
    CHECK(f.loop->outstanding() == 1);
    f.loop->run_due();
    CHECK(f.out->payloads() == std::vector<std::string>{"a", "b"});
}
