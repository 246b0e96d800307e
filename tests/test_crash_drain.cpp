// test_crash_drain.cpp - the opt-in crash drain (include/spdlog/sinks/coro_crash_drain.h).
//
// Crash cases fork a child that installs the drain, queues messages in a coro_sink over a
// real basic_file_sink and dies on purpose (raise(SIGSEGV), abort(), an exception escaping
// a noexcept function, a fault inside a wrapped sink, a stack overflow, a sink that hangs
// during the drain). The parent checks how the child died, that it did not hang, and what
// reached the files. coro_crash_drain_now() is also tested in this process.
//
// Sanitizers: AddressSanitizer, UndefinedBehaviorSanitizer and ThreadSanitizer (and Catch2,
// during a test case) install their own handlers for the fault signals; a chain to them
// would end in their report and their exit code, not in the signal. So each child first
// puts the default action back (default_fatal_dispositions), and "died of SIGSEGV" is
// checked exactly in every build. Chaining to a previous handler has a case of its own.
// Each child writes and flushes one line through its file sinks before it queues anything:
// that gives their stdio buffers room before the crash, so the drain itself allocates
// nothing. ThreadSanitizer reports any allocation inside a signal handler (rightly: it is
// not async-signal-safe), and with halt_on_error the child would die of that report.

#include "catch.h"
#include "fake_clock.h"
#include "forked_child.h"
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

TEST_CASE("install_coro_crash_drain rejects a bad deadline before installing anything", "[crash]") {
#if defined(__linux__)
    struct sigaction before {};
    sigaction(SIGSEGV, nullptr, &before);
#endif
    for (const auto bad : {0ms, -5ms, std::chrono::milliseconds(std::chrono::hours(2))}) {
        spdlog::sinks::coro_crash_drain_options options;
        options.deadline = bad;
        const std::string value = std::to_string(bad.count()) + "ms";
        try {
            spdlog::sinks::install_coro_crash_drain(options);
            FAIL("no exception for deadline = " << value);
        } catch (const spdlog::spdlog_ex &e) {
            const std::string what = e.what();
            CHECK(what.find("deadline = " + value) != std::string::npos);
            CHECK(what.find("valid range: 1ms .. 3600000ms") != std::string::npos);
        }
    }
#if defined(__linux__)
    struct sigaction after {};
    sigaction(SIGSEGV, nullptr, &after);
    CHECK(after.sa_handler == before.sa_handler);  // still Catch2's (or the default)
#endif
}

TEST_CASE("install_coro_crash_drain's default options are valid on every platform", "[crash]") {
    const spdlog::sinks::coro_crash_drain_options defaults;
#if defined(__linux__)
    CHECK(defaults.on_signals);
#else
    // Signal draining is Linux-only: off by default elsewhere, and asking for it is an error
    // that names the field and the valid value, raised before anything is installed.
    CHECK_FALSE(defaults.on_signals);
    spdlog::sinks::coro_crash_drain_options options;
    options.on_signals = true;
    options.on_terminate = false;
    try {
        spdlog::sinks::install_coro_crash_drain(options);
        FAIL("no exception for on_signals = true");
    } catch (const spdlog::spdlog_ex &e) {
        const std::string what = e.what();
        CHECK(what.find("on_signals = true") != std::string::npos);
        CHECK(what.find("valid values: false") != std::string::npos);
    }
#endif
    CHECK(defaults.on_signals == spdlog::sinks::coro_crash_drain_has_signals);
}

// --- crashing children ---------------------------------------------------------------------

#if defined(__linux__)
// ThreadSanitizer does not support a child that starts threads after a multi-threaded fork
// (tests/test_lifetime.cpp): the thread driver's children are skipped in that build.

namespace {

// See the file comment.
void default_fatal_dispositions() {
    for (const int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, SIG_DFL);
}

std::string temp_path(const std::string &name) {
    return "/tmp/spdlog_coro_crash_" + std::to_string(static_cast<long>(::getpid())) + "_" + name +
           ".log";
}

std::vector<std::string> read_lines(const std::string &path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::vector<std::string> header_then(const std::string &header, std::vector<std::string> rest) {
    rest.insert(rest.begin(), header);
    return rest;
}

enum class death { segv, abort, terminate };

const char *to_string(death how) {
    switch (how) {
        case death::segv:
            return "raise(SIGSEGV)";
        case death::abort:
            return "abort()";
        case death::terminate:
            return "std::terminate";
    }
    return "?";
}

int signal_of(death how) { return how == death::segv ? SIGSEGV : SIGABRT; }

// Not a literal `throw` inside the noexcept function: GCC warns about that (-Wterminate).
volatile bool always = true;
void throw_runtime_error() {
    if (always) throw std::runtime_error("escaped a noexcept function");
}
void escape_noexcept() noexcept { throw_runtime_error(); }

[[noreturn]] void die(death how) {
    switch (how) {
        case death::segv:
            std::raise(SIGSEGV);
            break;
        case death::abort:
            std::abort();
        case death::terminate:
            escape_noexcept();
            break;
    }
    ::_exit(96);
}

// A stack overflow, without an infinite recursion the compiler could see (-Winfinite-recursion).
volatile bool bottomless = true;
int overflow_stack(volatile char *caller) {
    volatile char frame[1024];
    frame[0] = caller != nullptr ? static_cast<char>(caller[0] + 1) : 0;
    if (!bottomless) return frame[0];
    return overflow_stack(frame) + frame[1];
}

// A child's coro_sink over a real file, with "header" written and flushed (see the file
// comment), then `count` messages logged. With the cooperative driver and a batch of 10,
// most are written by log() itself (unflushed: they sit in the file's stdio buffer) and the
// last count % 10 stay queued; with the others all stay queued. Exits with 3 or 4 when the
// scene is not what the test means to crash in.
struct file_scene {
    std::shared_ptr<spdlog::sinks::basic_file_sink_mt> file;
    std::shared_ptr<coro_sink_mt> sink;
    std::shared_ptr<spdlog::logger> logger;

    file_scene(const std::string &path, coro_driver driver, int count) {
        file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, true);
        const std::size_t batch = driver == coro_driver::cooperative ? 10 : 1000;
        sink = std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{file},
                                              queued_options(driver, batch));
        logger = std::make_shared<spdlog::logger>("crash", sink);
        logger->set_pattern("%v");
        logger->info("header");
        sink->flush();
        for (int i = 1; i <= count; ++i) logger->info("line {}", i);
        const std::size_t queued =
            driver == coro_driver::cooperative ? count % 10 : static_cast<std::size_t>(count);
        if (sink->stats().queue_size != queued) ::_exit(3);
        if (std::filesystem::file_size(path) != std::string("header\n").size()) ::_exit(4);
    }
};

// A wrapped sink that writes each payload unbuffered (what it took survives the crash) and
// faults on "boom" or blocks forever on "hang".
class trap_sink : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit trap_sink(const std::string &path)
        : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644)) {}
    ~trap_sink() override { ::close(fd_); }

protected:
    void sink_it_(const spdlog::details::log_msg &msg) override {
        const std::string payload(msg.payload.data(), msg.payload.size());
        if (payload == "boom") std::raise(SIGSEGV);
        if (payload == "hang") {
            for (;;) std::this_thread::sleep_for(10ms);
        }
        const std::string line = payload + "\n";
        if (::write(fd_, line.data(), line.size()) < 0) ::_exit(5);
    }
    void flush_() override {}

private:
    int fd_;
};

std::vector<coro_driver> child_drivers() {
    #if defined(SPDLOG_CORO_TEST_TSAN)
    return {coro_driver::cooperative, coro_driver::manual};
    #else
    return {coro_driver::cooperative, coro_driver::manual, coro_driver::thread};
    #endif
}

}  // namespace

TEST_CASE("on a fatal signal, abort or std::terminate, the queue reaches the file", "[crash]") {
    const auto driver = GENERATE(from_range(child_drivers()));
    const auto how = GENERATE(death::segv, death::abort, death::terminate);
    INFO("driver " << spdlog::sinks::to_string(driver) << ", death by " << to_string(how));
    const std::string path = temp_path(std::string("drain_") + spdlog::sinks::to_string(driver));
    std::remove(path.c_str());

    const child_end end = run_child([&] {
        default_fatal_dispositions();
        spdlog::sinks::install_coro_crash_drain();
        file_scene scene(path, driver, 95);
        die(how);
    });
    INFO("the child " << end.describe() << " after " << end.took.count() << " ms");
    CHECK(end.died_of(signal_of(how)));  // the chain ends in the default action
    // Every message exactly once, in order: those the cooperative driver had written but
    // not flushed, and those still queued.
    CHECK(read_lines(path) == header_then("header", numbered("line ", 1, 95)));
    std::remove(path.c_str());
}

TEST_CASE("without install_coro_crash_drain the queue is lost (the drain is opt-in)", "[crash]") {
    const std::string path = temp_path("opt_in");
    std::remove(path.c_str());
    const child_end end = run_child([&] {
        default_fatal_dispositions();
        file_scene scene(path, coro_driver::manual, 20);
        die(death::segv);
    });
    INFO("the child " << end.describe());
    CHECK(end.died_of(SIGSEGV));
    CHECK(read_lines(path) == std::vector<std::string>{"header"});
    std::remove(path.c_str());
}

TEST_CASE("a crash inside a wrapped sink sends the rest of that sink's queue to fallback_sink",
          "[crash]") {
    const auto driver = GENERATE(from_range(child_drivers()));
    INFO("driver " << spdlog::sinks::to_string(driver));
    const std::string wrapped_path = temp_path("trap_wrapped");
    const std::string fallback_path = temp_path("trap_fallback");
    std::remove(wrapped_path.c_str());
    std::remove(fallback_path.c_str());

    const child_end end = run_child([&] {
        default_fatal_dispositions();
        spdlog::sinks::install_coro_crash_drain();
        auto fallback = std::make_shared<spdlog::sinks::basic_file_sink_mt>(fallback_path, true);
        spdlog::logger before("before", fallback);
        before.set_pattern("%v");
        before.info("fallback header");
        fallback->flush();
        auto options = queued_options(driver);
        options.fallback_sink = fallback;
        auto sink = std::make_shared<coro_sink_mt>(
            std::vector<spdlog::sink_ptr>{std::make_shared<trap_sink>(wrapped_path)}, options);
        spdlog::logger logger("crash", sink);
        for (int i = 1; i <= 10; ++i) logger.info("line {}", i);
        logger.info("boom");
        for (int i = 11; i <= 20; ++i) logger.info("line {}", i);
        // The worker writes lines 1..10, then faults in the wrapped sink on "boom": on this
        // thread (cooperative, manual) or on the sink's own thread (thread driver).
        sink->flush();
        ::_exit(96);
    });
    INFO("the child " << end.describe());
    CHECK(end.died_of(SIGSEGV));
    CHECK(read_lines(wrapped_path) == numbered("line ", 1, 10));
    // The wrapped sinks' lock is held by the crashed worker: its queue, the message it was
    // writing first, went to the fallback sink. Each message exactly once across both files.
    auto rest = numbered("line ", 11, 20);
    rest.insert(rest.begin(), "boom");
    CHECK(read_lines(fallback_path) == header_then("fallback header", rest));
    std::remove(wrapped_path.c_str());
    std::remove(fallback_path.c_str());
}

TEST_CASE("a wrapped sink that hangs during the drain: the watchdog ends it with the same signal",
          "[crash]") {
    const auto how = GENERATE(death::segv, death::terminate);
    INFO("death by " << to_string(how));
    const std::string path = temp_path("hang");
    std::remove(path.c_str());
    constexpr auto deadline = 300ms;

    const child_end end = run_child([&] {
        default_fatal_dispositions();
        spdlog::sinks::coro_crash_drain_options options;
        options.deadline = deadline;
        spdlog::sinks::install_coro_crash_drain(options);
        auto sink = std::make_shared<coro_sink_mt>(
            std::vector<spdlog::sink_ptr>{std::make_shared<trap_sink>(path)},
            queued_options(coro_driver::manual));
        spdlog::logger logger("crash", sink);
        logger.info("line 1");
        logger.info("hang");
        logger.info("line 2");
        die(how);
    });
    INFO("the child " << end.describe() << " after " << end.took.count() << " ms");
    CHECK(end.died_of(signal_of(how)));
    CHECK(end.took >= deadline - 50ms);  // ended by the watchdog, not by something else
    CHECK(end.took < deadline + 20s);    // generous: sanitizer builds on a loaded machine
    CHECK(read_lines(path) == std::vector<std::string>{"line 1"});
    std::remove(path.c_str());
}

namespace {
// The previous handlers of the chaining test: they leave a mark, then end the process.
int mark_fd = -1;
void write_mark(const char *text) {
    if (::write(mark_fd, text, std::char_traits<char>::length(text)) < 0) ::_exit(6);
}
void previous_segv_handler(int) {
    write_mark("previous SIGSEGV handler\n");
    std::signal(SIGSEGV, SIG_DFL);
    std::raise(SIGSEGV);
}
void previous_terminate_handler() {
    write_mark("previous terminate handler\n");
    std::abort();
}
}  // namespace

TEST_CASE("after the drain, the previous signal or terminate handler runs", "[crash]") {
    const auto how = GENERATE(death::segv, death::terminate);
    INFO("death by " << to_string(how));
    const std::string path = temp_path("chain");
    const std::string mark_path = temp_path("chain_mark");
    std::remove(path.c_str());
    std::remove(mark_path.c_str());

    const child_end end = run_child([&] {
        default_fatal_dispositions();
        mark_fd = ::open(mark_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        std::signal(SIGSEGV, previous_segv_handler);
        std::set_terminate(previous_terminate_handler);
        spdlog::sinks::install_coro_crash_drain();
        file_scene scene(path, coro_driver::manual, 30);
        die(how);
    });
    INFO("the child " << end.describe());
    CHECK(end.died_of(signal_of(how)));
    CHECK(read_lines(path) == header_then("header", numbered("line ", 1, 30)));
    CHECK(read_lines(mark_path) == std::vector<std::string>{how == death::segv
                                                                ? "previous SIGSEGV handler"
                                                                : "previous terminate handler"});
    std::remove(path.c_str());
    std::remove(mark_path.c_str());
}

TEST_CASE("a stack overflow on the installing thread is drained on the alternate stack",
          "[crash]") {
    const std::string path = temp_path("overflow");
    std::remove(path.c_str());
    const child_end end = run_child([&] {
        default_fatal_dispositions();
        spdlog::sinks::install_coro_crash_drain();
        file_scene scene(path, coro_driver::manual, 40);
        overflow_stack(nullptr);
        ::_exit(96);
    });
    INFO("the child " << end.describe());
    CHECK(end.died_of(SIGSEGV));
    CHECK(read_lines(path) == header_then("header", numbered("line ", 1, 40)));
    std::remove(path.c_str());
}
#endif

TEST_CASE("coro_crash_drain_now runs no user callback and leaves the stats right", "[crash]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto o = test_options(coro_driver::manual, 10, 100, clock);
    o.event_interval = 100ms;
    bool in_drain = false;
    int calls_in_drain = 0;
    o.on_event = [&](const spdlog::sinks::coro_sink_event &) {
        if (in_drain) ++calls_in_drain;
    };
    coro_sink_mt sink({out}, o);
    let_time_run_at_exit unfreeze(clock);
    spdlog::logger log("crash", std::shared_ptr<coro_sink_mt>(&sink, [](auto *) {}));

    // Two failed writes: the first backend_error is delivered at once, the second stays
    // pending (inside the interval) and m1 is kept for a retry.
    log.info("m1");
    out->fail_next(2);
    clock->advance(1000ms);
    sink.poll();
    clock->advance(10ms);
    sink.poll();
    REQUIRE(sink.stats().backend_errors == 2);
    clock->advance(100ms);  // the pending event is due now, but not from inside a drain

    in_drain = true;
    CHECK(spdlog::sinks::coro_crash_drain_now(1000ms) == 1);
    in_drain = false;
    CHECK(calls_in_drain == 0);
    CHECK(out->payloads() == std::vector<std::string>{"m1"});

    // The drained retry no longer counts as the oldest queued message.
    clock->advance(5000ms);
    log.info("fresh");
    CHECK(sink.stats().queue_size == 1);
    CHECK(sink.stats().oldest_message_age == 0ns);
}
