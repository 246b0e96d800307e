// test_thread_driver.cpp - coro_driver::thread: a thread owned by the sink runs the worker.
//
// First the behaviours every driver has (batch and time triggers, overflow, block and
// block_timeout, restart with backoff, fallback and recovery, the counting identity), then
// the thread driver's own: it parks without CPU when idle and wakes on the next message,
// flush() is not starved by threads that keep logging, the destructor drains and joins (also
// through spdlog's registry, at process exit, and with the worker stuck in a wrapped sink),
// a wrapped sink may log back into its own logger, and producers never do the I/O.
//
// No test sleeps to make something happen. The worker runs on its own thread, so a test
// waits for an outcome with a bounded real-time loop (wait_until), and proves that something
// did *not* happen by letting the worker look at the queue many times first: while messages
// are queued the worker re-reads the injected clock at least once per 1 ms slice, so "the
// fake clock was read 40 more times" means "the worker evaluated its triggers 20 more times".
// The only timed windows are the 300 ms CPU measurements of an idle and a backing-off worker.

#include "catch.h"
#include "fake_clock.h"
#include "test_options_helper.h"
#include "test_sink.h"
#include "wait_until.h"

#include <spdlog/details/os.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/coro_sink.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#if defined(_WIN32)
    #ifndef NOMINMAX
        #define NOMINMAX
    #endif
    #ifndef WIN32_LEAN_AND_MEAN
        #define WIN32_LEAN_AND_MEAN
    #endif
    #include <windows.h>
    #include <tlhelp32.h>
#endif
#if defined(__linux__)
    #include <filesystem>
#endif
#if defined(__unix__)
    #include <unistd.h>
#endif

using namespace std::chrono_literals;
using spdlog::sinks::coro_driver;
using spdlog::sinks::coro_sink_mt;
using spdlog::sinks::coro_sink_options;
using spdlog::sinks::coro_worker_state;
using spdlog::sinks::overflow_strategy;

namespace {

using real_clock = std::chrono::steady_clock;

// Thread driver options. With a clock, every time-based rule runs on it; without one, on
// the real steady clock.
coro_sink_options thread_options(std::size_t batch_size,
                                 const std::shared_ptr<fake_clock> &clock = nullptr,
                                 const std::shared_ptr<error_log> &errors = nullptr) {
    return test_options(coro_driver::thread, batch_size, 10000, clock, errors);
}

// Lets the worker thread evaluate its triggers many times: waits until the injected clock
// was read `reads` more times. Only valid while messages are queued (or a restart is
// pending), when the worker polls and reads the clock twice per slice.
void let_worker_look(const fake_clock &clock, std::uint64_t reads = 40) {
    const std::uint64_t start = clock.reads();
    INFO("the worker thread should keep re-reading the injected clock");
    REQUIRE(wait_until([&] { return clock.reads() >= start + reads; }));
}

// Waits until the sink's counters show `processed` messages written and nothing queued.
bool wait_processed(const coro_sink_mt &sink, std::uint64_t processed) {
    return wait_until([&] {
        const auto s = sink.stats();
        return s.messages_processed == processed && s.queue_size == 0;
    });
}

// A latch a wrapped sink can get stuck on: the worker thread enters and waits until the
// test opens it. Shared (held by shared_ptr) so that a detached worker can still use it.
class gate {
public:
    void enter_and_wait() {
        std::unique_lock<std::mutex> lock(mutex_);
        entered_ = true;
        cv_.notify_all();
        cv_.wait(lock, [this] { return open_; });
    }
    bool wait_entered(std::chrono::milliseconds timeout = 10000ms) {
        std::unique_lock<std::mutex> lock(mutex_);
        return cv_.wait_for(lock, timeout, [this] { return entered_; });
    }
    void open() {
        std::lock_guard<std::mutex> lock(mutex_);
        open_ = true;
        cv_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool entered_ = false;
    bool open_ = false;
};

// Opens the gate when the scope ends, so that a failed assertion never leaves the worker
// stuck. Declare it after the sink: it then runs before the sink's destructor.
class open_at_exit {
public:
    explicit open_at_exit(std::shared_ptr<gate> g)
        : gate_(std::move(g)) {}
    ~open_at_exit() { gate_->open(); }
    open_at_exit(const open_at_exit &) = delete;
    open_at_exit &operator=(const open_at_exit &) = delete;

private:
    std::shared_ptr<gate> gate_;
};

// A recording sink that also records which threads call log() and flush().
class thread_recording_sink : public test_sink {
public:
    void log(const spdlog::details::log_msg &msg) override {
        note(spdlog::details::os::thread_id());
        test_sink::log(msg);
    }
    void flush() override {
        note(spdlog::details::os::thread_id());
        test_sink::flush();
    }
    std::set<std::size_t> writers() const {
        std::lock_guard<std::mutex> lock(writers_mutex_);
        return writers_;
    }

private:
    void note(std::size_t id) {
        std::lock_guard<std::mutex> lock(writers_mutex_);
        writers_.insert(id);
    }
    mutable std::mutex writers_mutex_;
    std::set<std::size_t> writers_;
};

// Splits "t<k>-<i>" into k and i.
bool parse_tagged(const std::string &payload, int &k, std::uint64_t &i) {
    const auto dash = payload.find('-');
    if (payload.empty() || payload[0] != 't' || dash == std::string::npos) return false;
    k = std::stoi(payload.substr(1, dash - 1));
    i = std::stoull(payload.substr(dash + 1));
    return true;
}

// Every "t<k>-<i>" for k < threads and i < per_thread written exactly once, each thread's
// messages in the order it logged them.
void check_all_once_in_thread_order(const std::vector<std::string> &got,
                                    int threads,
                                    std::uint64_t per_thread) {
    CHECK(got.size() == static_cast<std::size_t>(threads) * per_thread);
    std::map<int, std::uint64_t> next;
    bool order_ok = true;
    bool parsed_ok = true;
    for (const auto &p : got) {
        int k = 0;
        std::uint64_t i = 0;
        if (!parse_tagged(p, k, i)) {
            parsed_ok = false;
            continue;
        }
        if (next[k] != i) order_ok = false;  // a gap, a duplicate or a reordering
        next[k] = i + 1;
    }
    CHECK(parsed_ok);
    CHECK(order_ok);
    for (int k = 0; k < threads; ++k) CHECK(next[k] == per_thread);
}

#if defined(_WIN32)
    // The system's view of this process's threads (Toolhelp32). Windows threads carry no name
    // a test can read back here, so this lists all of them: a test compares the lists before
    // and after it started exactly one thread, the sink's worker.
    #define SPDLOG_CORO_TEST_SEES_THREADS 1

std::set<int> coro_sink_threads() {
    std::set<int> ids;
    const HANDLE snapshot = ::CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
    if (snapshot == INVALID_HANDLE_VALUE) return ids;
    THREADENTRY32 entry{};
    entry.dwSize = sizeof(entry);
    for (BOOL more = ::Thread32First(snapshot, &entry); more;
         more = ::Thread32Next(snapshot, &entry)) {
        if (entry.th32OwnerProcessID == ::GetCurrentProcessId()) {
            ids.insert(static_cast<int>(entry.th32ThreadID));
        }
    }
    ::CloseHandle(snapshot);
    return ids;
}

bool thread_alive(int tid) { return coro_sink_threads().count(tid) != 0; }
#endif

#if defined(__linux__)
    #define SPDLOG_CORO_TEST_SEES_THREADS 1
// The kernel's view of the sink's worker thread (named "coro_sink"), from /proc/self/task.

std::set<int> coro_sink_threads() {
    std::set<int> tids;
    std::error_code ec;
    for (const auto &entry : std::filesystem::directory_iterator("/proc/self/task", ec)) {
        std::ifstream comm(entry.path() / "comm");
        std::string name;
        if (std::getline(comm, name) && name == "coro_sink") {
            tids.insert(std::stoi(entry.path().filename().string()));
        }
    }
    return tids;
}

bool thread_alive(int tid) {
    std::error_code ec;
    return std::filesystem::exists("/proc/self/task/" + std::to_string(tid), ec);
}

// voluntary_ctxt_switches from /proc/self/task/<tid>/status; -1 if unreadable.
long voluntary_switches(int tid) {
    std::ifstream status("/proc/self/task/" + std::to_string(tid) + "/status");
    std::string key;
    while (status >> key) {
        if (key == "voluntary_ctxt_switches:") {
            long n = -1;
            status >> n;
            return n;
        }
    }
    return -1;
}

// utime + stime (clock ticks) from /proc/self/task/<tid>/stat; -1 if unreadable.
long cpu_ticks(int tid) {
    std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return -1;
    const auto close = line.rfind(')');  // the name may contain spaces
    if (close == std::string::npos) return -1;
    std::istringstream fields(line.substr(close + 2));
    // Fields after the name, from field 3 (state); utime and stime are fields 14 and 15.
    std::string field;
    long utime = -1;
    long stime = -1;
    for (int n = 3; n <= 15 && fields >> field; ++n) {
        if (n == 14) utime = std::stol(field);
        if (n == 15) stime = std::stol(field);
    }
    return utime < 0 || stime < 0 ? -1 : utime + stime;
}

// Waits until the thread has parked for good: its voluntary context switches (one per
// poll slice while it polls) stay the same for `stable` in a row.
bool wait_parked(int tid,
                 std::chrono::milliseconds stable = 200ms,
                 std::chrono::milliseconds timeout = 10000ms) {
    const auto deadline = real_clock::now() + timeout;
    long last = voluntary_switches(tid);
    auto unchanged_since = real_clock::now();
    while (real_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);  // paces the samples only
        const long now = voluntary_switches(tid);
        if (now != last) {
            last = now;
            unchanged_since = real_clock::now();
        } else if (real_clock::now() - unchanged_since >= stable) {
            return true;
        }
    }
    return false;
}
#endif

#if defined(SPDLOG_CORO_TEST_SEES_THREADS)
// The one coro_sink thread in `after` that is not in `before`; 0 if there is not exactly one.
int new_thread(const std::set<int> &before, const std::set<int> &after) {
    int found = 0;
    for (const int tid : after) {
        if (before.count(tid) != 0) continue;
        if (found != 0) return 0;
        found = tid;
    }
    return found;
}
#endif

}  // namespace

// ---------------------------------------------------------------------------------------
// The behaviours of every driver

TEST_CASE("thread driver: 2 of a batch of 3 write nothing, the 3rd writes 3 in order", "[thread]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto sink = make_coro({out}, thread_options(3, clock));
    auto logger = std::make_shared<spdlog::logger>("batch", sink);

    logger->info("m1");
    logger->info("m2");
    let_worker_look(*clock);  // the worker saw two messages twenty times
    CHECK(out->size() == 0);
    CHECK(sink->poll() == 0);  // nothing due: an inline step writes nothing either
    CHECK(out->size() == 0);
    CHECK(sink->stats().queue_size == 2);

    logger->info("m3");  // no wake-up: the polling worker notices the batch
    REQUIRE(wait_processed(*sink, 3));
    CHECK(out->payloads() == numbered("m", 1, 3));
    CHECK(out->flush_count() == 0);  // the batch trigger does not flush
    for (const auto &m : out->messages()) CHECK(m.logger_name == "batch");
    check_counting(sink->stats());
}

TEST_CASE("thread driver: the oldest message flush_interval old is written and the sinks flushed",
          "[thread]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto sink = make_coro({out}, thread_options(100, clock));

    log_direct(*sink, "m1");
    clock->advance(600ms);
    log_direct(*sink, "m2");
    clock->advance(399ms);  // m1 is 999 ms old
    let_worker_look(*clock);
    CHECK(out->size() == 0);
    CHECK(out->flush_count() == 0);

    clock->advance(1ms);  // m1 is 1000 ms old: the worker re-reads the clock within a slice
    REQUIRE(wait_until([&] { return out->flush_count() >= 1; }));
    CHECK(out->payloads() == numbered("m", 1, 2));  // a whole batch, oldest first
    CHECK(out->flush_count() == 1);
    CHECK(out->size_at_last_flush() == 2);  // flushed after the batch was written
    REQUIRE(wait_processed(*sink, 2));
    check_counting(sink->stats());
}

TEST_CASE("thread driver: drop_oldest and drop_newest drop exactly the overflow", "[thread]") {
    const auto strategy = GENERATE(overflow_strategy::drop_oldest, overflow_strategy::drop_newest);
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto stuck = std::make_shared<gate>();
    out->on_log([stuck](const recorded_msg &m) {
        if (m.payload == "m1") stuck->enter_and_wait();
    });
    auto options = thread_options(1, clock);
    options.overflow = strategy;
    options.max_queue_size = 5;
    auto sink = make_coro({out}, options);
    const open_at_exit unstick(stuck);

    log_direct(*sink, "m1");
    REQUIRE(stuck->wait_entered());  // the worker holds m1 (still queued) and cannot move
    for (const auto &p : numbered("m", 2, 5)) log_direct(*sink, p);
    auto s = sink->stats();
    CHECK(s.queue_size == 5);
    CHECK(s.queue_overflows == 0);

    log_direct(*sink, "m6");
    log_direct(*sink, "m7");
    s = sink->stats();
    CHECK(s.queue_size == 5);
    CHECK(s.queue_overflows == 2);
    CHECK(s.messages_dropped == 2);
    CHECK(s.block_timeouts == 0);
    CHECK(s.queue_high_water == 5);
    check_counting(s);

    stuck->open();
    clock->set_auto_step(1ms);  // bounds the flush on the injected clock
    REQUIRE(sink->flush_for(10000ms));
    if (strategy == overflow_strategy::drop_oldest) {
        // m2 and m3 were the oldest the worker did not hold.
        CHECK(out->payloads() == std::vector<std::string>{"m1", "m4", "m5", "m6", "m7"});
    } else {
        CHECK(out->payloads() == numbered("m", 1, 5));
    }
    s = sink->stats();
    CHECK(s.messages_processed == 5);
    CHECK(s.messages_dropped == 2);
    CHECK(s.queue_size == 0);
    check_counting(s);
}

TEST_CASE("thread driver: block from 4 threads with a small queue drops nothing, keeps order",
          "[thread]") {
    auto out = std::make_shared<test_sink>();
    auto options = thread_options(4);
    options.overflow = overflow_strategy::block;
    options.max_queue_size = 8;
    auto sink = make_coro({out}, options);
    auto logger = std::make_shared<spdlog::logger>("blocking", sink);

    constexpr int threads = 4;
    constexpr std::uint64_t per_thread = 2000;
    std::vector<std::thread> producers;
    for (int k = 0; k < threads; ++k) {
        producers.emplace_back([&, k] {
            for (std::uint64_t i = 0; i < per_thread; ++i) logger->info("t{}-{}", k, i);
        });
    }
    for (auto &t : producers) t.join();
    REQUIRE(sink->flush_for(10000ms));

    check_all_once_in_thread_order(out->payloads(), threads, per_thread);
    const auto s = sink->stats();
    CHECK(s.messages_dropped == 0);
    CHECK(s.messages_processed == threads * per_thread);
    CHECK(s.queue_high_water <= 8);
    CHECK(out->max_concurrency() == 1);
    check_counting(s);
}

TEST_CASE("thread driver: block with block_timeout is bounded while the worker is stuck",
          "[thread]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto stuck = std::make_shared<gate>();
    out->on_log([stuck](const recorded_msg &m) {
        if (m.payload == "m1") stuck->enter_and_wait();
    });
    auto options = thread_options(1, clock);
    options.overflow = overflow_strategy::block;
    options.max_queue_size = 4;
    options.block_timeout = 20ms;
    auto sink = make_coro({out}, options);
    const open_at_exit unstick(stuck);

    log_direct(*sink, "m1");
    REQUIRE(stuck->wait_entered());
    for (const auto &p : numbered("m", 2, 4)) log_direct(*sink, p);  // full: m1 in hand + 3
    CHECK(sink->stats().queue_size == 4);

    // Nothing can make room now; only block_timeout lets the producers return. Time passes
    // as fast as the producers' wait loops look at the clock.
    clock->set_auto_step(1ms);
    std::atomic<int> returned{0};
    std::vector<std::thread> producers;
    for (int k = 0; k < 2; ++k) {
        producers.emplace_back([&, k] {
            for (int i = 0; i < 3; ++i) log_direct(*sink, "p" + std::to_string(k));
            returned.fetch_add(1);
        });
    }
    const bool bounded = wait_until([&] { return returned.load() == 2; });
    if (!bounded) stuck->open();  // let them finish, so the test fails instead of hanging
    for (auto &t : producers) t.join();
    CHECK(bounded);

    auto s = sink->stats();
    CHECK(s.block_timeouts == 6);
    CHECK(s.queue_overflows == 0);
    CHECK(s.messages_dropped == 6);
    CHECK(s.queue_size == 4);
    CHECK(s.messages_processed == 0);
    check_counting(s);

    stuck->open();
    REQUIRE(sink->flush_for(10000ms));
    CHECK(out->payloads() == numbered("m", 1, 4));
    s = sink->stats();
    CHECK(s.messages_processed == 4);
    CHECK(s.block_timeouts == 6);
    check_counting(s);
}

TEST_CASE("thread driver: the worker restarts after its backoff on the injected clock, not before",
          "[thread]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    out->fail_next(3);
    auto sink = make_coro({out}, thread_options(1, clock, errors));  // backoff 10, 20, 40 ms
    const let_time_run_at_exit unfreeze(clock);

    log_direct(*sink, "m1");
    REQUIRE(wait_until([&] {
        const auto s = sink->stats();
        return s.backend_errors == 1 && s.worker_state == coro_worker_state::backing_off;
    }));

    std::uint64_t restarts = 0;
    for (const auto delay : {10ms, 20ms, 40ms}) {
        INFO("restart " << restarts + 1 << " after " << delay.count() << " ms");
        clock->advance(delay - 1ms);
        let_worker_look(*clock);  // the worker re-checked the backoff many times
        auto s = sink->stats();
        CHECK(s.worker_restarts == restarts);
        CHECK(s.worker_state == coro_worker_state::backing_off);
        CHECK(out->size() == 0);

        clock->advance(1ms);
        ++restarts;
        REQUIRE(wait_until([&] {
            const auto now = sink->stats();
            if (restarts < 3) {  // restarted, and crashed again at once
                return now.worker_restarts == restarts && now.backend_errors == restarts + 1 &&
                       now.worker_state == coro_worker_state::backing_off;
            }
            return now.worker_restarts == 3 && now.messages_processed == 1 && now.queue_size == 0;
        }));
    }
    // The third restart succeeded.
    CHECK(out->payloads() == numbered("m", 1, 1));
    const auto s = sink->stats();
    CHECK(s.worker_restarts == 3);
    CHECK(s.backend_errors == 3);
    CHECK(s.messages_processed == 1);
    CHECK(s.worker_state == coro_worker_state::running);
    CHECK_FALSE(s.fallback_active);
    check_counting(s);
    CHECK(errors->count_containing("restarting in") == 3);
}

TEST_CASE("thread driver: fallback after max_restarts, then recovery", "[thread]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    out->fail_always(true);
    auto fallback = std::make_shared<test_sink>();
    auto options = thread_options(100, clock, errors);
    options.max_restarts = 1;
    options.fallback_sink = fallback;
    auto sink = make_coro({out}, options);
    const let_time_run_at_exit unfreeze(clock);
    auto logger = std::make_shared<spdlog::logger>("falling", sink);

    for (int i = 1; i <= 3; ++i) logger->info("m{}", i);
    clock->advance(1000ms);  // time trigger: crash 1
    REQUIRE(
        wait_until([&] { return sink->stats().worker_state == coro_worker_state::backing_off; }));
    clock->advance(10ms);  // restart, crash 2: the restart budget is spent
    REQUIRE(wait_until([&] { return sink->stats().fallback_active; }));
    CHECK(sink->stats().worker_restarts == 1);
    CHECK(sink->stats().fallback_activations == 1);

    // In fallback the queue is drained in order before log() writes its own message, on
    // the caller's thread, before returning.
    logger->info("m4");
    CHECK(fallback->payloads() == numbered("m", 1, 4));
    CHECK(out->size() == 0);
    auto s = sink->stats();
    CHECK(s.queue_size == 0);
    CHECK(s.fallback_writes == 4);
    CHECK(s.messages_processed == 4);
    CHECK(s.messages_failed == 0);
    CHECK(s.backend_errors == 6);  // two crashes, then the primary sink once per message
    check_counting(s);
    CHECK(errors->any_containing("falling back"));

    // Recovery: the healed sink accepts a message written in fallback.
    out->heal();
    logger->info("m5");
    CHECK(out->payloads() == numbered("m", 5, 5));
    s = sink->stats();
    CHECK_FALSE(s.fallback_active);
    CHECK(s.worker_state == coro_worker_state::running);
    CHECK(errors->any_containing("leaving synchronous fallback"));

    // Back to queued writing by the worker thread: m6 waits for a trigger.
    logger->info("m6");
    let_worker_look(*clock);
    CHECK(sink->stats().queue_size == 1);
    CHECK(out->size() == 1);
    clock->set_auto_step(1ms);  // bounds the flush on the injected clock
    REQUIRE(sink->flush_for(10000ms));
    CHECK(out->payloads() == numbered("m", 5, 6));
    CHECK(fallback->payloads() == numbered("m", 1, 4));
    s = sink->stats();
    CHECK(s.messages_processed == 6);
    CHECK(s.fallback_activations == 1);
    check_counting(s);
}

TEST_CASE("thread driver: the counting identity holds after every flush of a mixed run",
          "[thread]") {
    auto errors = std::make_shared<error_log>();
    auto flaky = std::make_shared<test_sink>();
    auto steady = std::make_shared<test_sink>();
    flaky->fail_every(7);
    auto options = thread_options(4, nullptr, errors);
    options.max_queue_size = 16;
    options.overflow = overflow_strategy::drop_oldest;
    options.flush_interval = 5ms;
    options.restart_backoff = 1ms;
    options.max_restart_backoff = 1ms;
    options.max_restarts = 1000000;  // never fall back: restarts only
    auto sink = make_coro({flaky, steady}, options);
    auto logger = std::make_shared<spdlog::logger>("mixed", sink);

    constexpr int threads = 3;
    constexpr int per_round = 300;
    for (int round = 0; round < 3; ++round) {
        INFO("round " << round);
        std::vector<std::thread> producers;
        for (int k = 0; k < threads; ++k) {
            producers.emplace_back([&, k] {
                for (int i = 0; i < per_round; ++i)
                    logger->info("t{}-{}", k, round * per_round + i);
            });
        }
        for (auto &t : producers) t.join();
        REQUIRE(sink->flush_for(10000ms));
        const auto s = sink->stats();
        CHECK(s.queue_size == 0);
        CHECK(s.messages_submitted ==
              static_cast<std::uint64_t>((round + 1) * threads * per_round));
        CHECK(s.messages_failed == 0);
        check_counting(s);
    }
    const auto s = sink->stats();
    CHECK(s.backend_errors > 0);
    CHECK(s.worker_restarts == s.backend_errors);  // every failure crashed and restarted
    CHECK_FALSE(s.fallback_active);
    // What was written, was written once and in each thread's order.
    for (const auto &out : {flaky, steady}) {
        std::map<int, long> last;
        bool order_ok = true;
        for (const auto &p : out->payloads()) {
            int k = 0;
            std::uint64_t i = 0;
            if (!parse_tagged(p, k, i)) order_ok = false;
            if (last.count(k) != 0 && static_cast<long>(i) <= last[k]) order_ok = false;
            last[k] = static_cast<long>(i);
        }
        CHECK(order_ok);
    }
    CHECK(steady->size() == s.messages_processed);
    CHECK(flaky->size() == s.messages_processed);
}

// ---------------------------------------------------------------------------------------
// The thread driver's own behaviours

#if defined(__linux__)
TEST_CASE("thread driver: an idle sink parks its thread, uses no CPU, and wakes on a message",
          "[thread]") {
    auto out = std::make_shared<test_sink>();
    auto options = thread_options(10);
    options.flush_interval = 100ms;  // real time
    const auto before = coro_sink_threads();
    auto sink = make_coro({out}, options);
    const int tid = new_thread(before, coro_sink_threads());
    REQUIRE(tid != 0);
    auto logger = std::make_shared<spdlog::logger>("idle", sink);

    for (int i = 1; i <= 25; ++i) logger->info("m{}", i);
    REQUIRE(sink->flush_for(10000ms));
    CHECK(out->size() == 25);

    // After its idle slices the worker parks without a timeout: no more context switches.
    REQUIRE(wait_parked(tid));
    const long switches = voluntary_switches(tid);
    const long ticks = cpu_ticks(tid);
    REQUIRE(switches >= 0);
    REQUIRE(ticks >= 0);
    std::this_thread::sleep_for(300ms);  // the measurement window
    CHECK(voluntary_switches(tid) == switches);
    CHECK(cpu_ticks(tid) - ticks <= 1);

    // The first message after a long idle period wakes it (the depth-1 edge), and the time
    // trigger writes it without any flush.
    const auto flushes = out->flush_count();
    logger->info("after idle");
    REQUIRE(wait_until([&] { return out->size() == 26; }));
    CHECK(out->payloads().back() == "after idle");
    CHECK(wait_until([&] { return out->flush_count() > flushes; }));
    CHECK(voluntary_switches(tid) > switches);

    // And it parks again.
    CHECK(wait_parked(tid));
}

TEST_CASE("thread driver: a worker waiting out a restart backoff does not spin", "[thread]") {
    // While backing off the worker has nothing to do until restart_at: it may poll in slices,
    // but must not burn a core. Two ways to be in that state: a full batch is queued behind
    // the failed message, or a flush is waiting for the restart.
    const bool flush_waiting = GENERATE(false, true);
    INFO((flush_waiting ? "a flush waits for the restart" : "a batch is queued"));
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    out->fail_next(1);
    auto options = thread_options(flush_waiting ? 100 : 1, nullptr, errors);
    options.restart_backoff = 1000ms;  // real time, well beyond the measurement window
    options.max_restart_backoff = 1000ms;
    const auto before = coro_sink_threads();
    auto sink = make_coro({out}, options);
    const int tid = new_thread(before, coro_sink_threads());
    REQUIRE(tid != 0);

    log_direct(*sink, "m1");
    long spent = -1;
    if (flush_waiting) {
        const long ticks = cpu_ticks(tid);
        CHECK_FALSE(sink->flush_for(300ms));  // the flush crashes the worker, then waits
        spent = cpu_ticks(tid) - ticks;
        CHECK(sink->stats().backend_errors == 1);
    } else {
        REQUIRE(wait_until(
            [&] { return sink->stats().worker_state == coro_worker_state::backing_off; }));
        const long ticks = cpu_ticks(tid);
        std::this_thread::sleep_for(300ms);  // the measurement window
        spent = cpu_ticks(tid) - ticks;
    }
    CHECK(sink->stats().worker_restarts == 0);  // still backing off: the window was inside it
    INFO("CPU clock ticks the worker thread used in 300 ms: " << spent);
    CHECK(spent <= 5);  // polling 1 ms slices costs well under one tick; a spin costs ~30

    // The backoff ends; the restarted worker writes m1.
    REQUIRE(sink->flush_for(10000ms));
    CHECK(out->payloads() == numbered("m", 1, 1));
    CHECK(sink->stats().worker_restarts == 1);
    check_counting(sink->stats());
}
#endif

TEST_CASE("thread driver: flush is not starved by threads that keep logging", "[thread]") {
    constexpr int threads = 3;
    // logged[k]: messages thread k has finished logging; written[k]: how many of its messages
    // the worker has written, counted by the wrapped sink as long as they arrive in order.
    // Declared before the sink, which may still call the hook below while it is destroyed.
    std::array<std::atomic<std::uint64_t>, threads> logged{};
    std::array<std::atomic<std::uint64_t>, threads> written{};
    std::atomic<bool> in_order{true};
    auto out = std::make_shared<test_sink>();
    auto options = thread_options(32);
    options.overflow = overflow_strategy::block;  // nothing logged before a flush is dropped
    options.max_queue_size = 512;
    auto sink = make_coro({out}, options);
    auto logger = std::make_shared<spdlog::logger>("busy", sink);
    out->on_log([&](const recorded_msg &m) {
        int k = 0;
        std::uint64_t i = 0;
        if (!parse_tagged(m.payload, k, i) || k < 0 || k >= threads) {
            in_order.store(false);
            return;
        }
        auto &w = written[static_cast<std::size_t>(k)];
        if (w.load() != i) in_order.store(false);
        w.store(i + 1);
    });

    std::atomic<bool> stop{false};
    std::vector<std::thread> producers;
    for (int k = 0; k < threads; ++k) {
        producers.emplace_back([&, k] {
            auto &n = logged[static_cast<std::size_t>(k)];
            for (std::uint64_t i = 0; !stop.load(); ++i) {
                logger->info("t{}-{}", k, i);
                n.store(i + 1);
            }
        });
    }
    std::array<std::uint64_t, threads> before{};
    for (int round = 0; round < 20; ++round) {
        INFO("flush " << round);
        // Every producer is still logging: each has logged more since the last flush.
        const bool progressing = wait_until([&] {
            for (std::size_t k = 0; k < threads; ++k) {
                if (logged[k].load() < before[k] + 16) return false;
            }
            return true;
        });
        CHECK(progressing);
        for (std::size_t k = 0; k < threads; ++k) before[k] = logged[k].load();
        const bool flushed = sink->flush_for(10000ms);
        CHECK(flushed);
        for (std::size_t k = 0; k < threads; ++k) {
            INFO("thread " << k << ": logged " << before[k] << " before the flush");
            CHECK(written[k].load() >= before[k]);
        }
    }
    stop.store(true);
    for (auto &t : producers) t.join();

    REQUIRE(sink->flush_for(10000ms));
    out->on_log(nullptr);
    CHECK(in_order.load());
    std::uint64_t total = 0;
    for (std::size_t k = 0; k < threads; ++k) {
        CHECK(written[k].load() == logged[k].load());  // every message, exactly once
        total += logged[k].load();
    }
    const auto s = sink->stats();
    CHECK(s.messages_dropped == 0);
    CHECK(s.flush_timeouts == 0);
    CHECK(s.messages_processed == total);
    check_counting(s);
}

TEST_CASE("thread driver: the destructor writes thousands of queued messages and flushes",
          "[thread]") {
    auto clock = std::make_shared<fake_clock>();  // frozen: no time trigger
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    auto options = thread_options(10000, clock, errors);  // no batch trigger either
    auto sink = make_coro({out}, options);
    auto logger = std::make_shared<spdlog::logger>("dying", sink);
    for (int i = 1; i <= 5000; ++i) logger->info("m{}", i);
    let_worker_look(*clock);
    CHECK(out->size() == 0);
    CHECK(sink->stats().queue_size == 5000);

    clock->set_auto_step(1ms);  // bounds the destructor's flush_timeout if it went wrong
    logger.reset();
    sink.reset();  // the last owner: drains, flushes, joins
    CHECK(out->payloads() == numbered("m", 1, 5000));
    CHECK(out->flush_count() >= 1);
    CHECK(out->size_at_last_flush() == 5000);
    CHECK(errors->size() == 0);
}

TEST_CASE("thread driver: spdlog::shutdown() writes the tail and joins the thread", "[thread]") {
    auto clock = std::make_shared<fake_clock>();
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    const std::string name = "registered-thread-driver";
    std::weak_ptr<coro_sink_mt> weak_sink;
#if defined(SPDLOG_CORO_TEST_SEES_THREADS)
    const auto before = coro_sink_threads();
#endif
    {
        auto sink = make_coro({out}, thread_options(100, clock, errors));
        weak_sink = sink;
        spdlog::register_logger(std::make_shared<spdlog::logger>(name, sink));
    }
#if defined(SPDLOG_CORO_TEST_SEES_THREADS)
    const int tid = new_thread(before, coro_sink_threads());
    REQUIRE(tid != 0);
#endif
    spdlog::get(name)->info("m1");
    spdlog::get(name)->info("m2");
    spdlog::get(name)->info("m3");
    let_worker_look(*clock);
    CHECK(out->size() == 0);

    spdlog::shutdown();
    CHECK(weak_sink.expired());  // the registry held the last reference
    CHECK(out->payloads() == numbered("m", 1, 3));
    CHECK(out->flush_count() >= 1);
    CHECK(errors->size() == 0);
#if defined(SPDLOG_CORO_TEST_SEES_THREADS)
    CHECK(wait_until([&] { return !thread_alive(tid); }));  // joined
#endif
}

// Process exit with a registered thread-driver sink: see test_lifetime.cpp (all drivers).

TEST_CASE("thread driver: destroying the sink while its worker is stuck in a wrapped sink",
          "[thread]") {
    // Everything the detached worker thread may touch is kept alive by shared_ptr.
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<test_sink>();
    auto stuck = std::make_shared<gate>();
    out->on_log([stuck](const recorded_msg &m) {
        if (m.payload == "m1") stuck->enter_and_wait();
    });
    const open_at_exit unstick(stuck);
#if defined(SPDLOG_CORO_TEST_SEES_THREADS)
    const auto before = coro_sink_threads();
#endif
    // No copy of the options (which hold the error handler) outlives this statement.
    auto sink = make_coro({out}, [&] {
        auto o = thread_options(1, nullptr, errors);
        o.flush_timeout = 200ms;  // real time
        return o;
    }());
#if defined(SPDLOG_CORO_TEST_SEES_THREADS)
    const int tid = new_thread(before, coro_sink_threads());
    REQUIRE(tid != 0);
#endif

    log_direct(*sink, "m1");
    REQUIRE(stuck->wait_entered());
    for (const auto &p : numbered("m", 2, 10)) log_direct(*sink, p);

    const auto started = real_clock::now();
    sink.reset();  // must return although the worker cannot
    const auto spent = real_clock::now() - started;
    CHECK(spent < 200ms + 100ms + 2000ms);  // flush_timeout + the stop grace + slack
    CHECK(out->size() == 1);
    CHECK(errors->any_containing("flush timed out"));
    CHECK(errors->any_containing("stuck"));

    // Released, the detached thread finishes the job: writes everything, flushes, and
    // deletes the sink's engine (which lets go of the wrapped sink and the error handler).
    stuck->open();
    CHECK(wait_until([&] { return out->size() == 10; }));
    CHECK(wait_until([&] { return out.use_count() == 1 && errors.use_count() == 1; }));
    CHECK(out->payloads() == numbered("m", 1, 10));
    CHECK(out->flush_count() >= 1);
    CHECK(out->size_at_last_flush() == 10);
    CHECK_FALSE(errors->any_containing("lost"));
#if defined(SPDLOG_CORO_TEST_SEES_THREADS)
    CHECK(wait_until([&] { return !thread_alive(tid); }));
#endif
}

TEST_CASE("thread driver: a wrapped sink logging into its own logger does not deadlock",
          "[thread]") {
    auto errors = std::make_shared<error_log>();
    auto out = std::make_shared<thread_recording_sink>();

    SECTION("the echo is queued and written by the worker") {
        auto sink = make_coro({out}, thread_options(1, nullptr, errors));
        auto logger = std::make_shared<spdlog::logger>("loopback", sink);
        std::weak_ptr<spdlog::logger> weak_logger = logger;
        out->on_log([weak_logger](const recorded_msg &m) {
            if (m.payload.rfind("echo", 0) == 0) return;
            if (auto l = weak_logger.lock()) l->warn("echo {}", m.payload);
        });

        logger->info("m1");
        REQUIRE(wait_processed(*sink, 2));
        out->on_log(nullptr);
        CHECK(out->payloads() == std::vector<std::string>{"m1", "echo m1"});
        const auto got = out->messages();
        REQUIRE(got.size() == 2);
        CHECK(got[1].level == spdlog::level::warn);
        CHECK(got[1].thread_id != spdlog::details::os::thread_id());       // logged by the worker
        CHECK(out->writers() == std::set<std::size_t>{got[1].thread_id});  // and written by it
        const auto s = sink->stats();
        CHECK(s.messages_submitted == 2);
        CHECK(s.messages_dropped == 0);
        check_counting(s);
    }
    SECTION("under block with a full queue the echo is dropped, not waited for") {
        auto options = thread_options(1, nullptr, errors);
        options.overflow = overflow_strategy::block;
        options.max_queue_size = 1;
        auto sink = make_coro({out}, options);
        auto logger = std::make_shared<spdlog::logger>("loopback-full", sink);
        std::weak_ptr<spdlog::logger> weak_logger = logger;
        out->on_log([weak_logger](const recorded_msg &m) {
            if (m.payload.rfind("echo", 0) == 0) return;
            if (auto l = weak_logger.lock()) l->warn("echo {}", m.payload);
        });

        logger->info("m1");  // while m1 is written it still holds the only place
        REQUIRE(wait_until([&] {
            const auto s = sink->stats();
            return s.messages_processed == 1 && s.queue_overflows == 1;
        }));
        out->on_log(nullptr);
        REQUIRE(sink->flush_for(10000ms));
        CHECK(out->payloads() == numbered("m", 1, 1));
        const auto s = sink->stats();
        CHECK(s.queue_overflows == 1);
        CHECK(s.block_timeouts == 0);
        check_counting(s);
    }
    SECTION("a wrapped sink that flushes its own logger returns at once") {
        auto sink = make_coro({out}, thread_options(1, nullptr, errors));
        auto logger = std::make_shared<spdlog::logger>("loopback-flush", sink);
        std::weak_ptr<spdlog::logger> weak_logger = logger;
        out->on_log([weak_logger](const recorded_msg &m) {
            if (m.payload.rfind("echo", 0) == 0) return;
            if (auto l = weak_logger.lock()) {
                l->warn("echo {}", m.payload);
                l->flush();  // cannot wait for the worker it is running on
            }
        });

        logger->info("m1");
        REQUIRE(wait_processed(*sink, 2));
        out->on_log(nullptr);
        CHECK(out->payloads() == std::vector<std::string>{"m1", "echo m1"});
        REQUIRE(sink->flush_for(10000ms));
        check_counting(sink->stats());
    }
    SECTION("the sink destroyed on its own worker thread neither deadlocks nor loses messages") {
        // The wrapped sink holds the last reference to the logger (as after spdlog::drop or
        // spdlog::shutdown on another thread) and lets it go from inside the write.
        auto dropped = std::make_shared<gate>();
        const open_at_exit undrop(dropped);
        std::weak_ptr<spdlog::logger> weak_logger;
#if defined(SPDLOG_CORO_TEST_SEES_THREADS)
        const auto before = coro_sink_threads();
        int tid = 0;
#endif
        {
            auto sink = make_coro({out}, thread_options(1, nullptr, errors));
#if defined(SPDLOG_CORO_TEST_SEES_THREADS)
            tid = new_thread(before, coro_sink_threads());
#endif
            auto logger = std::make_shared<spdlog::logger>("loopback-last", sink);
            weak_logger = logger;
            out->on_log([weak_logger, dropped](const recorded_msg &m) {
                if (m.payload != "m1") return;
                auto l = weak_logger.lock();
                dropped->enter_and_wait();  // until the test has dropped its references
                for (int i = 1; i <= 3; ++i) l->info("echo {}", i);
                l.reset();  // the last owner: ~logger, then ~coro_sink, on the worker thread
            });
            logger->info("m1");
            REQUIRE(dropped->wait_entered());
            logger->info("m2");
        }
        dropped->open();
        CHECK(wait_until([&] { return weak_logger.expired(); }));
        // The engine is released once the worker thread is done with it.
        CHECK(wait_until([&] { return out.use_count() == 1; }));
        CHECK(out->payloads() ==
              std::vector<std::string>{"m1", "m2", "echo 1", "echo 2", "echo 3"});
        out->on_log(nullptr);
#if defined(SPDLOG_CORO_TEST_SEES_THREADS)
        // The detached thread ends too: none is left running into the next test or into
        // process exit (where, on Windows, its thread_local destructors raced the exit).
        REQUIRE(tid != 0);
        CHECK(wait_until([&] { return !thread_alive(tid); }));
#endif
    }
}

TEST_CASE("thread driver: producers never do the wrapped sinks' I/O", "[thread]") {
    auto out = std::make_shared<thread_recording_sink>();
    auto options = thread_options(16);
    options.flush_interval = 5ms;  // real time: time triggers (and their flushes) happen too
    options.overflow = overflow_strategy::block;
    options.max_queue_size = 64;
#if defined(__linux__)
    const auto before = coro_sink_threads();
#endif
    auto sink = make_coro({out}, options);
#if defined(__linux__)
    const int tid = new_thread(before, coro_sink_threads());
    REQUIRE(tid != 0);
#endif
    auto logger = std::make_shared<spdlog::logger>("producers", sink);

    constexpr int threads = 4;
    constexpr std::uint64_t per_thread = 1000;
    std::mutex ids_mutex;
    std::set<std::size_t> producer_ids{spdlog::details::os::thread_id()};
    std::vector<std::thread> producers;
    for (int k = 0; k < threads; ++k) {
        producers.emplace_back([&, k] {
            {
                std::lock_guard<std::mutex> lock(ids_mutex);
                producer_ids.insert(spdlog::details::os::thread_id());
            }
            for (std::uint64_t i = 0; i < per_thread; ++i) {
                logger->info("t{}-{}", k, i);
                if (i % 100 == 99) logger->flush();  // flushers do no I/O either
            }
        });
    }
    for (std::uint64_t i = 0; i < 200; ++i) logger->info("t{}-{}", threads, i);
    for (auto &t : producers) t.join();
    REQUIRE(sink->flush_for(10000ms));

    const auto writers = out->writers();
    CHECK(out->size() == threads * per_thread + 200);
    CHECK(out->flush_count() >= 1);
    CHECK(writers.size() == 1);  // one worker thread did every log() and flush()
    for (const auto id : writers) CHECK(producer_ids.count(id) == 0);
#if defined(__linux__)
    CHECK(writers == std::set<std::size_t>{static_cast<std::size_t>(tid)});
#endif
    check_counting(sink->stats());
}

TEST_CASE("thread driver: a message written mid-batch frees its place at once", "[thread]") {
    // Regression: when written messages were accounted for once per batch, producers saw a
    // full queue (and dropped) while the worker had already written half of it.
    const auto strategy = GENERATE(overflow_strategy::drop_oldest, overflow_strategy::drop_newest);
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto stuck = std::make_shared<gate>();
    out->on_log([stuck](const recorded_msg &m) {
        if (m.payload == "m3") stuck->enter_and_wait();
    });
    auto options = thread_options(4, clock);
    options.overflow = strategy;
    options.max_queue_size = 4;
    auto sink = make_coro({out}, options);
    const open_at_exit unstick(stuck);

    for (const auto &p : numbered("m", 1, 4)) log_direct(*sink, p);  // a full batch
    REQUIRE(stuck->wait_entered());  // m1 and m2 written, m3 in the worker's hands
    log_direct(*sink, "m5");
    log_direct(*sink, "m6");
    auto s = sink->stats();
    CHECK(s.queue_overflows == 0);
    CHECK(s.queue_size == 4);  // m3 (in hand), m4, m5, m6
    stuck->open();
    REQUIRE(sink->flush_for(10s));
    CHECK(out->payloads() == numbered("m", 1, 6));
    check_counting(sink->stats());
}
