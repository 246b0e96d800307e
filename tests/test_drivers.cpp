// test_drivers.cpp - who runs the worker: the cooperative driver (inline in log(), poll(),
// flush()) and the manual driver (only poll(), flush(), flush_for(), the destructor), each
// used from several threads through coro_sink_mt.

#include "catch.h"
#include "fake_clock.h"
#include "test_options_helper.h"
#include "test_sink.h"

#include <spdlog/details/os.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/coro_sink.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using spdlog::sinks::coro_driver;
using spdlog::sinks::coro_sink_mt;
using spdlog::sinks::coro_sink_options;

namespace {

coro_sink_options driver_options(const std::shared_ptr<fake_clock> &clock,
                                 coro_driver driver,
                                 std::size_t batch_size) {
    return test_options(driver, batch_size, 100000, clock);
}

#ifdef __linux__
// Threads of this process, from /proc/self/status.
int thread_count() {
    std::ifstream status("/proc/self/status");
    std::string key;
    while (status >> key) {
        if (key == "Threads:") {
            int n = 0;
            status >> n;
            return n;
        }
    }
    return -1;
}
#endif

constexpr int producer_threads = 4;
constexpr int messages_per_thread = 1000;

// Every message "t<k>-<i>" of every producer written exactly once, and each producer's
// messages in the order it logged them, carrying its thread id.
void check_all_once_in_thread_order(const std::vector<recorded_msg> &got,
                                    const std::vector<std::size_t> &thread_ids) {
    CHECK(got.size() == static_cast<std::size_t>(producer_threads * messages_per_thread));
    std::set<std::string> seen;
    std::map<int, int> next;  // producer -> next expected sequence number
    bool order_ok = true;
    bool thread_id_ok = true;
    for (const auto &m : got) {
        seen.insert(m.payload);
        const auto dash = m.payload.find('-');
        REQUIRE(dash != std::string::npos);
        const int k = std::stoi(m.payload.substr(1, dash - 1));
        const int i = std::stoi(m.payload.substr(dash + 1));
        if (next[k] != i) order_ok = false;
        next[k] = i + 1;
        if (m.thread_id != thread_ids[static_cast<std::size_t>(k)]) thread_id_ok = false;
    }
    CHECK(seen.size() == got.size());  // no duplicates
    CHECK(order_ok);
    CHECK(thread_id_ok);
    for (int k = 0; k < producer_threads; ++k) CHECK(next[k] == messages_per_thread);
}

// Runs `producer_threads` threads that each log `messages_per_thread` messages through
// `logger`; returns their spdlog thread ids, indexed by producer.
std::vector<std::size_t> run_producers(const std::shared_ptr<spdlog::logger> &logger) {
    std::vector<std::size_t> ids(producer_threads);
    std::vector<std::thread> threads;
    std::atomic<int> ready{0};
    for (int k = 0; k < producer_threads; ++k) {
        threads.emplace_back([&, k] {
            ids[static_cast<std::size_t>(k)] = spdlog::details::os::thread_id();
            ready.fetch_add(1);
            while (ready.load() < producer_threads) std::this_thread::yield();  // start together
            for (int i = 0; i < messages_per_thread; ++i) logger->info("t{}-{}", k, i);
        });
    }
    for (auto &t : threads) t.join();
    return ids;
}

}  // namespace

TEST_CASE("cooperative driver: log() writes inline when a trigger is due, no thread created",
          "[drivers]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    const auto caller = spdlog::details::os::thread_id();
#ifdef __linux__
    const int threads_before = thread_count();
#endif
    auto sink = make_coro({out}, driver_options(clock, coro_driver::cooperative, 2));
#ifdef __linux__
    CHECK(thread_count() == threads_before);
#endif
    auto logger = std::make_shared<spdlog::logger>("coop", sink);
    std::vector<std::size_t> writer_threads;
    out->on_log(
        [&](const recorded_msg &) { writer_threads.push_back(spdlog::details::os::thread_id()); });

    logger->info("m1");
    CHECK(out->size() == 0);
    logger->info("m2");  // batch due: written before log() returns
    CHECK(out->payloads() == numbered("m", 1, 2));
    CHECK(writer_threads == std::vector<std::size_t>{caller, caller});
    CHECK(sink->stats().queue_size == 0);
    CHECK(sink->poll() == 0);  // nothing due
}

TEST_CASE("manual driver: log() never writes, even with triggers due", "[drivers]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto sink = make_coro({out}, driver_options(clock, coro_driver::manual, 3));
    auto logger = std::make_shared<spdlog::logger>("manual", sink);

    for (int i = 1; i <= 10; ++i) logger->info("m{}", i);  // three batches due
    clock->advance(5000ms);                                // time trigger due as well
    logger->info("m11");
    CHECK(out->size() == 0);
    CHECK(out->flush_count() == 0);
    CHECK(sink->stats().queue_size == 11);

    SECTION("poll() writes one batch and returns how many it wrote") {
        CHECK(sink->poll() == 3);
        CHECK(out->payloads() == numbered("m", 1, 3));
        CHECK(sink->stats().queue_size == 8);
    }
    SECTION("flush() drains everything") {
        sink->flush();
        CHECK(out->payloads() == numbered("m", 1, 11));
        CHECK(out->flush_count() == 1);
    }
    SECTION("flush_for() drains everything") {
        CHECK(sink->flush_for(1000ms));
        CHECK(out->payloads() == numbered("m", 1, 11));
    }
    SECTION("the destructor drains everything") {
        logger.reset();
        sink.reset();
        CHECK(out->payloads() == numbered("m", 1, 11));
    }
}

TEST_CASE("poll() returns 0 when nothing is due", "[drivers]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    auto sink = make_coro({out}, driver_options(clock, driver, 3));

    CHECK(sink->poll() == 0);  // empty
    log_direct(*sink, "m1");
    log_direct(*sink, "m2");
    CHECK(sink->poll() == 0);  // below the batch, younger than flush_interval
    CHECK(out->size() == 0);
    CHECK(sink->stats().queue_size == 2);
}

TEST_CASE("cooperative driver with coro_sink_mt from 4 threads: every message once, in order",
          "[drivers][mt]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto sink = make_coro({out}, driver_options(clock, coro_driver::cooperative, 10));
    auto logger = std::make_shared<spdlog::logger>("coop-mt", sink);

    const auto ids = run_producers(logger);
    sink->flush();

    check_all_once_in_thread_order(out->messages(), ids);
    CHECK(out->max_concurrency() == 1);  // one worker at a time
    const auto s = sink->stats();
    CHECK(s.messages_dropped == 0);
    check_counting(s);
}

TEST_CASE("manual driver with coro_sink_mt from 4 threads and a polling thread", "[drivers][mt]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto sink = make_coro({out}, driver_options(clock, coro_driver::manual, 10));
    auto logger = std::make_shared<spdlog::logger>("manual-mt", sink);

    std::atomic<bool> producers_done{false};
    std::size_t polled = 0;
    std::thread poller([&] {
        while (!producers_done.load()) polled += sink->poll();
    });
    const auto ids = run_producers(logger);
    producers_done.store(true);
    poller.join();

    const std::size_t before_flush = out->size();
    CHECK(before_flush == polled);  // poll() reports exactly what it wrote
    sink->flush();

    check_all_once_in_thread_order(out->messages(), ids);
    CHECK(out->max_concurrency() == 1);
    check_counting(sink->stats());
}

TEST_CASE("a thread never waits for another thread running the worker", "[drivers][mt]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    auto sink = make_coro({out}, driver_options(clock, driver, 1));

    std::promise<void> entered;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    out->on_log([&](const recorded_msg &m) {
        if (m.payload == "m1") {
            entered.set_value();
            released.wait();  // the worker is stuck inside the wrapped sink
        }
    });

    std::thread worker([&] {
        log_direct(*sink, "m1");                          // cooperative: writes inline
        if (driver == coro_driver::manual) sink->poll();  // manual: the pump writes
    });
    entered.get_future().wait();

    // While another thread is inside the worker, this thread's calls return at once.
    log_direct(*sink, "m2");
    log_direct(*sink, "m3");
    CHECK(sink->poll() == 0);
    const auto s = sink->stats();
    CHECK(s.messages_submitted == 3);

    release.set_value();
    worker.join();
    sink->flush();
    CHECK(out->payloads() == numbered("m", 1, 3));
}
