// test_rsyslog.cpp - coro_sink in front of spdlog's tcp_sink, against a real rsyslogd: every
// message arrives; a stalled destination (SIGSTOP) neither stalls producers under
// drop_oldest nor loses anything under block; a destination killed (SIGKILL) and restarted
// costs only what TCP itself loses, and every message is accounted for.
//
// The server is Debian's rsyslogd, run by the test (tests/rsyslog_server.h). Each test skips
// when rsyslogd is not installed or cannot run. Waits are on real conditions (lines in
// rsyslogd's output file, the sink's counters, the server's threads stopped) with generous
// deadlines; the restart scenario drives the sink's backoff with an injected clock.

#include "catch.h"
#include "fake_clock.h"
#include "rsyslog_server.h"
#include "tcp_connection_state.h"
#include "test_options_helper.h"
#include "test_sink.h"
#include "thread_activity.h"
#include "wait_until.h"

// spdlog 1.15.3's details/tcp_client.h calls std::memset without including <cstring>, which
// its fmt headers happen to include and <format> does not (SPDLOG_USE_STD_FORMAT builds).
#include <cstring>

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/coro_sink.h>
#include <spdlog/sinks/tcp_sink.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <fstream>
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
using spdlog::sinks::coro_worker_state;
using spdlog::sinks::overflow_strategy;

namespace {

// One test message: "<tag>:<seq> " padded with 'x' to `size` bytes (at least the prefix).
// The tag names the test and producer, the sequence number its place in that producer's
// order; the padding makes the traffic large enough to fill socket buffers.
std::string payload(const std::string &tag, std::size_t seq, std::size_t size) {
    std::string p = tag + ":" + std::to_string(seq) + " ";
    if (p.size() < size) p.append(size - p.size(), 'x');
    return p;
}

// The (tag, seq) of a payload, or false when the line is not shaped like one.
bool parse_payload(const std::string &line, std::string &tag, std::size_t &seq) {
    const auto colon = line.find(':');
    const auto space = line.find(' ', colon == std::string::npos ? 0 : colon);
    if (colon == std::string::npos || space == std::string::npos || space == colon + 1) {
        return false;
    }
    tag = line.substr(0, colon);
    seq = 0;
    for (std::size_t i = colon + 1; i < space; ++i) {
        if (line[i] < '0' || line[i] > '9') return false;
        seq = seq * 10 + static_cast<std::size_t>(line[i] - '0');
    }
    return true;
}

// What the server received, checked against what the test sent: `size` is the payload size
// of every message, `sent` how many each tag sent (sequence numbers 0 .. sent-1).
struct received_check {
    std::size_t foreign = 0;     // lines that are not a message of ours, intact
    std::size_t duplicates = 0;  // messages received more than once
    std::size_t reordered = 0;   // messages received after a later one of the same tag
    std::map<std::string, std::size_t> per_tag;  // distinct messages received, by tag
    std::string first_problem;                   // the first offending line, for the report
};

received_check check_received(const std::vector<std::string> &lines,
                              const std::map<std::string, std::size_t> &sent,
                              std::size_t size) {
    received_check r;
    std::set<std::string> seen;
    std::map<std::string, std::size_t> next;  // per tag: lowest sequence number still allowed
    auto problem = [&r](const std::string &what, const std::string &line) {
        if (r.first_problem.empty()) r.first_problem = what + ": " + line.substr(0, 80);
    };
    for (const auto &line : lines) {
        std::string tag;
        std::size_t seq = 0;
        const bool ours = parse_payload(line, tag, seq) && sent.count(tag) != 0 &&
                          seq < sent.at(tag) && line == payload(tag, seq, size);
        if (!ours) {
            ++r.foreign;
            problem("not a message of this test", line);
            continue;
        }
        if (!seen.insert(line).second) {
            ++r.duplicates;
            problem("received twice", line);
            continue;
        }
        ++r.per_tag[tag];
        if (seq < next[tag]) {
            ++r.reordered;
            problem("out of order", line);
        }
        next[tag] = seq + 1;
    }
    return r;
}

// The first place where `got` and `want` differ, or "" when they are equal. Comparing
// thousands of long lines with CHECK(a == b) would print them all.
std::string first_difference(const std::vector<std::string> &got,
                             const std::vector<std::string> &want) {
    for (std::size_t i = 0; i < got.size() && i < want.size(); ++i) {
        if (got[i] != want[i]) {
            return "line " + std::to_string(i) + ": got [" + got[i].substr(0, 80) + "] want [" +
                   want[i].substr(0, 80) + "]";
        }
    }
    if (got.size() != want.size()) {
        return "got " + std::to_string(got.size()) + " lines, want " + std::to_string(want.size());
    }
    return "";
}

std::shared_ptr<spdlog::sinks::tcp_sink_mt> connect_tcp_sink(const rsyslog_server &server) {
    return std::make_shared<spdlog::sinks::tcp_sink_mt>(
        spdlog::sinks::tcp_sink_config("127.0.0.1", server.port()));
}

std::shared_ptr<spdlog::logger> rsyslog_logger(const std::shared_ptr<coro_sink_mt> &sink) {
    auto logger = std::make_shared<spdlog::logger>("rsyslog", sink);
    logger->set_pattern(rsyslog_server::rfc5424_pattern);  // forwarded to the tcp_sink
    return logger;
}

// Resumes a paused server at scope exit. Declared after the sink (and after any producer
// threads), so that a failed REQUIRE while the server is stopped lets the producers and the
// sink's destructor finish their writes instead of waiting on a frozen destination.
class resume_at_exit {
public:
    explicit resume_at_exit(rsyslog_server &server)
        : server_(server) {}
    ~resume_at_exit() {
        if (server_.paused()) {
            try {
                server_.resume();
            } catch (...) {
                // A REQUIRE failing during unwinding: the server's destructor kills it.
            }
        }
    }
    resume_at_exit(const resume_at_exit &) = delete;
    resume_at_exit &operator=(const resume_at_exit &) = delete;

private:
    rsyslog_server &server_;
};

// Joins the producer threads at scope exit (after resume_at_exit has let them finish).
class join_at_exit {
public:
    explicit join_at_exit(std::vector<std::thread> &threads)
        : threads_(threads) {}
    ~join_at_exit() {
        for (auto &t : threads_) {
            if (t.joinable()) t.join();
        }
    }
    join_at_exit(const join_at_exit &) = delete;
    join_at_exit &operator=(const join_at_exit &) = delete;

private:
    std::vector<std::thread> &threads_;
};

// The options of the scenarios with real time: the thread driver (the one for slow
// destinations, see the README), a flush bound far beyond any healthy run, errors collected.
coro_sink_options network_options(std::size_t batch_size,
                                  std::size_t max_queue_size,
                                  overflow_strategy overflow,
                                  const std::shared_ptr<error_log> &errors) {
    auto o = test_options(coro_driver::thread, batch_size, max_queue_size, nullptr, errors);
    o.overflow = overflow;
    o.flush_timeout = 30s;
    return o;
}

// The size of one message of `size` payload bytes on the wire: the RFC 5424 header that
// rfc5424_pattern produces, the payload, the newline.
std::size_t wire_size(std::size_t size) {
    spdlog::pattern_formatter formatter(rsyslog_server::rfc5424_pattern);
    const std::string text = payload("x", 0, size);
    spdlog::details::log_msg msg("rsyslog", spdlog::level::info,
                                 spdlog::string_view_t(text.data(), text.size()));
    spdlog::memory_buf_t buf;
    formatter.format(msg, buf);
    return buf.size();
}

// The sink's worker is blocked in send() for as long as rsyslogd stays stopped: the kernel
// probes a zero window on the connection (rsyslogd's receive buffer is full) and the
// worker thread sleeps inside send() (our send buffer is full as well). Either alone could
// be a passing moment; both together last until rsyslogd reads again.
bool worker_blocked_in_send(const rsyslog_server &server) {
    return zero_window_towards(server.port()) && thread_asleep_in_syscall("coro_sink", SYS_sendto);
}

bool stall_observable() { return tcp_table_observable() && syscalls_observable(); }
constexpr const char *stall_unobservable_reason =
    "cannot observe a stalled connection here (needs /proc/net/tcp and "
    "/proc/self/task/<tid>/syscall)";

}  // namespace

TEST_CASE("rsyslog: every message arrives once and in order through coro_sink and tcp_sink",
          "[rsyslog]") {
    rsyslog_server server;
    if (!server.available()) {
        SPDLOG_CORO_SKIP("no usable rsyslogd: " << server.unavailable_reason());
    }
    auto errors = std::make_shared<error_log>();
    auto sink = make_coro({connect_tcp_sink(server)},
                          network_options(50, 10000, overflow_strategy::drop_oldest, errors));
    auto logger = rsyslog_logger(sink);

    constexpr std::size_t n = 5000;
    constexpr std::size_t size = 200;
    std::vector<std::string> sent;
    for (std::size_t i = 0; i < n; ++i) {
        sent.push_back(payload("s1", i, size));
        logger->info(sent.back());
    }
    REQUIRE(sink->flush_for(30s));
    INFO(server.diagnostics());
    REQUIRE(server.wait_for_messages(n));

    const auto got = server.messages();
    const std::string difference = first_difference(got, sent);
    INFO(difference);
    CHECK(difference.empty());
    const auto s = sink->stats();
    CHECK(s.messages_submitted == n);
    CHECK(s.messages_processed == n);
    CHECK(s.messages_dropped == 0);
    CHECK(s.messages_failed == 0);
    CHECK(s.backend_errors == 0);
    CHECK(s.queue_size == 0);
    check_counting(s);
    CHECK(errors->size() == 0);
}

TEST_CASE("rsyslog stopped, drop_oldest: log() never waits, drops are counted exactly",
          "[rsyslog]") {
    rsyslog_server server;
    if (!server.available()) {
        SPDLOG_CORO_SKIP("no usable rsyslogd: " << server.unavailable_reason());
    }
    if (!stall_observable()) SPDLOG_CORO_SKIP(stall_unobservable_reason);
    constexpr std::size_t producers = 2;
    constexpr std::size_t size = 1000;
    constexpr std::size_t queue = 1000;

    auto errors = std::make_shared<error_log>();
    auto sink = make_coro({connect_tcp_sink(server)},
                          network_options(50, queue, overflow_strategy::drop_oldest, errors));
    auto logger = rsyslog_logger(sink);
    server.pause();

    // The producers log as fast as they can until the worker is seen blocked in send(), then
    // `queue` more messages each: with nothing leaving the queue, those must overflow it.
    std::atomic<bool> worker_blocked{false};
    std::vector<std::size_t> logged(producers, 0);
    std::vector<std::thread> threads;
    join_at_exit join(threads);
    resume_at_exit resume(server);
    for (std::size_t k = 0; k < producers; ++k) {
        threads.emplace_back([&logger, &worker_blocked, &logged, k] {
            const std::string tag = "s2t" + std::to_string(k);
            std::size_t i = 0;
            while (!worker_blocked.load()) logger->info(payload(tag, i++, size));
            for (std::size_t extra = 0; extra < queue; ++extra)
                logger->info(payload(tag, i++, size));
            logged[k] = i;
        });
    }
    const bool blocked = wait_until([&] { return worker_blocked_in_send(server); });
    worker_blocked.store(true);
    for (auto &t : threads) t.join();
    REQUIRE(blocked);

    // Every log() call returned while rsyslogd was stopped: only the drop rule made room.
    REQUIRE(server.stopped_now());
    CHECK(server.message_count() == 0);
    std::map<std::string, std::size_t> sent;
    std::size_t submitted = 0;
    for (std::size_t k = 0; k < producers; ++k) {
        sent["s2t" + std::to_string(k)] = logged[k];
        submitted += logged[k];
    }
    const auto stalled = sink->stats();
    CHECK(stalled.messages_submitted == submitted);
    CHECK(stalled.queue_overflows >= (producers - 1) * queue);
    CHECK(stalled.queue_size == queue);
    // The worker is still blocked (polled: a /proc snapshot may fall on the instant the
    // kernel re-arms its window probe), and nothing can finish a flush now.
    CHECK(wait_until([&] { return worker_blocked_in_send(server); }));
    CHECK_FALSE(sink->flush_for(50ms));

    server.resume();
    REQUIRE(sink->flush_for(30s));
    const auto s = sink->stats();
    CHECK(s.queue_size == 0);
    CHECK(s.messages_failed == 0);
    CHECK(s.backend_errors == 0);
    CHECK(s.messages_dropped == s.queue_overflows);
    CHECK(s.messages_processed + s.messages_dropped == submitted);
    check_counting(s);
    INFO(server.diagnostics());
    REQUIRE(server.wait_for_messages(s.messages_processed));

    // Written at rsyslog + dropped == submitted, and what arrived is ours, once, in order.
    const auto got = server.messages();
    CHECK(got.size() == s.messages_processed);
    const auto r = check_received(got, sent, size);
    INFO(r.first_problem);
    CHECK(r.foreign == 0);
    CHECK(r.duplicates == 0);
    CHECK(r.reordered == 0);
    std::printf(
        "[rsyslog] stopped, drop_oldest: %zu producers, %zu messages of %zu bytes: %zu written "
        "at rsyslog, %llu dropped (counted); the worker blocked after %llu messages (%zu KiB) "
        "had gone into the kernel's buffers\n",
        producers, submitted, size, got.size(), static_cast<unsigned long long>(s.messages_dropped),
        static_cast<unsigned long long>(stalled.messages_processed),
        static_cast<std::size_t>(stalled.messages_processed) * wire_size(size) / 1024);
}

TEST_CASE("rsyslog stopped, block: producers wait and nothing is lost once it resumes",
          "[rsyslog]") {
    rsyslog_server server;
    if (!server.available()) {
        SPDLOG_CORO_SKIP("no usable rsyslogd: " << server.unavailable_reason());
    }
    if (!stall_observable()) SPDLOG_CORO_SKIP(stall_unobservable_reason);
    constexpr std::size_t producers = 4;
    constexpr std::size_t size = 1000;
    constexpr std::size_t queue = 256;

    auto errors = std::make_shared<error_log>();
    auto sink = make_coro({connect_tcp_sink(server)},
                          network_options(50, queue, overflow_strategy::block, errors));
    auto logger = rsyslog_logger(sink);
    server.pause();

    // The producers log until rsyslogd is resumed; the last call of each returns only then.
    std::atomic<bool> resumed{false};
    std::vector<std::size_t> logged(producers, 0);
    std::vector<std::thread> threads;
    join_at_exit join(threads);
    struct set_at_exit {
        std::atomic<bool> &flag;
        ~set_at_exit() { flag.store(true); }
    } stop_producers{resumed};
    resume_at_exit resume(server);  // first: the producers need rsyslogd back to finish
    for (std::size_t k = 0; k < producers; ++k) {
        threads.emplace_back([&logger, &resumed, &logged, k] {
            const std::string tag = "s3t" + std::to_string(k);
            std::size_t i = 0;
            while (!resumed.load()) logger->info(payload(tag, i++, size));
            logged[k] = i;
        });
    }

    // The stall reaches the producers: the worker is blocked in send() and the queue is full
    // behind it, so every producer is waiting for room, and stays waiting.
    REQUIRE(wait_until(
        [&] { return worker_blocked_in_send(server) && sink->stats().queue_size == queue; }));
    REQUIRE(server.stopped_now());
    CHECK(server.message_count() == 0);
    const auto stalled = sink->stats();
    CHECK(stalled.messages_dropped == 0);

    resumed.store(true);
    server.resume();
    for (auto &t : threads) t.join();
    std::map<std::string, std::size_t> sent;
    std::size_t submitted = 0;
    for (std::size_t k = 0; k < producers; ++k) {
        sent["s3t" + std::to_string(k)] = logged[k];
        submitted += logged[k];
    }
    REQUIRE(sink->flush_for(30s));
    const auto s = sink->stats();
    CHECK(s.messages_submitted == submitted);
    CHECK(s.messages_processed == submitted);
    CHECK(s.messages_dropped == 0);
    CHECK(s.messages_failed == 0);
    CHECK(s.backend_errors == 0);
    check_counting(s);
    INFO(server.diagnostics());
    REQUIRE(server.wait_for_messages(submitted));

    // Every message exactly once, in its producer's order.
    const auto got = server.messages();
    CHECK(got.size() == submitted);
    const auto r = check_received(got, sent, size);
    INFO(r.first_problem);
    CHECK(r.foreign == 0);
    CHECK(r.duplicates == 0);
    CHECK(r.reordered == 0);
    for (const auto &[tag, n] : sent) {
        const auto it = r.per_tag.find(tag);
        CHECK((it == r.per_tag.end() ? 0 : it->second) == n);
    }
    std::printf(
        "[rsyslog] stopped, block: %zu producers, %zu messages of %zu bytes, all written at "
        "rsyslog; while it was stopped %llu calls returned, %llu messages (%zu KiB) went into "
        "the kernel's buffers, %zu waited in the full queue\n",
        producers, submitted, size, static_cast<unsigned long long>(stalled.messages_submitted),
        static_cast<unsigned long long>(stalled.messages_processed),
        static_cast<std::size_t>(stalled.messages_processed) * wire_size(size) / 1024,
        stalled.queue_size);
}

// Killing rsyslogd loses what TCP had accepted for it: send() returns once the bytes are in
// the kernel's buffers, and tcp_sink (like any sender that does not wait for replies) counts
// the message as written. When the peer dies, the bytes still in our send buffer and in its
// receive buffer, and anything rsyslogd read but had not yet written out, are gone; the next
// send() fails, and from then on nothing is lost: the sink keeps the failed message, backs
// off, restarts, reconnects, or falls back. This test measures exactly which messages the
// dead connections swallowed and requires that those, and only those, are missing.
TEST_CASE("rsyslog killed and restarted: every message arrives, falls back, or was lost in TCP",
          "[rsyslog]") {
    rsyslog_server server;
    if (!server.available()) {
        SPDLOG_CORO_SKIP("no usable rsyslogd: " << server.unavailable_reason());
    }
    constexpr std::size_t size = 100;
    auto clock = std::make_shared<fake_clock>();  // frozen: restarts happen when we say
    auto errors = std::make_shared<error_log>();
    auto fallback = std::make_shared<spdlog::sinks::basic_file_sink_mt>(
        server.directory() + "/fallback.log", true);
    fallback->set_pattern("%v");
    auto options = test_options(coro_driver::thread, 1, 10000, clock, errors);
    options.max_restarts = 3;
    options.restart_backoff = 10ms;
    options.max_restart_backoff = 40ms;
    options.fallback_sink = fallback;
    auto sink = make_coro({connect_tcp_sink(server)}, options);
    let_time_run_at_exit time_runs(clock);  // a failed REQUIRE must not freeze the destructor
    auto logger = rsyslog_logger(sink);

    std::map<std::string, std::size_t> sent;
    auto log_n = [&](const std::string &tag, std::size_t n) {
        std::vector<std::string> out;
        for (std::size_t i = 0; i < n; ++i) {
            out.push_back(payload(tag, i, size));
            logger->info(out.back());
        }
        sent[tag] = n;
        return out;
    };
    auto processed = [&] { return sink->stats().messages_processed; };
    auto in_state = [&](coro_worker_state state) {
        return [&sink, state] { return sink->stats().worker_state == state; };
    };
    auto restart_server = [&] {
        const bool ready = server.restart();
        INFO(server.unavailable_reason());
        REQUIRE(ready);
    };

    // 1. Connected: everything arrives.
    const auto a = log_n("s4a", 200);
    REQUIRE(server.wait_for_messages(a.size()));

    // 2. Killed while idle, back during the backoff. The connection is closed by the kernel,
    //    but the first send() after that may still succeed (into a socket the peer has left):
    //    such messages are lost. The first send() that fails crashes the worker.
    server.kill();
    const auto before_b = processed();
    const auto b = log_n("s4b", 50);
    REQUIRE(wait_until(in_state(coro_worker_state::backing_off)));
    const auto lost_b = static_cast<std::size_t>(processed() - before_b);
    REQUIRE(lost_b < b.size());
    const auto restarts_b = sink->stats().worker_restarts;
    restart_server();
    clock->advance(options.max_restart_backoff);  // the restart reconnects tcp_sink
    REQUIRE(wait_until([&] {
        const auto s = sink->stats();
        return s.queue_size == 0 && s.worker_state == coro_worker_state::running;
    }));
    CHECK(sink->stats().worker_restarts == restarts_b + 1);
    CHECK(sink->stats().fallback_activations == 0);
    REQUIRE(server.wait_for_messages(a.size() + b.size() - lost_b));

    // 3. Stopped, then killed: what the kernel held for it is lost, all of it. Then down
    //    until the sink gives up restarting and falls back.
    server.pause();
    const auto before_c = processed();
    const auto c = log_n("s4c", 100);
    REQUIRE(wait_until([&] { return processed() == before_c + c.size(); }));  // in the kernel
    server.kill();
    const auto d = log_n("s4d", 20);
    REQUIRE(wait_until(in_state(coro_worker_state::backing_off)));
    const auto lost_d = static_cast<std::size_t>(processed() - before_c - c.size());
    REQUIRE(lost_d < d.size());
    for (std::size_t i = 0; i <= options.max_restarts; ++i) {
        if (sink->stats().worker_state == coro_worker_state::fallback) break;
        const auto restarts = sink->stats().worker_restarts;
        clock->advance(options.max_restart_backoff);  // restart; connect() is refused
        REQUIRE(wait_until([&] {
            const auto s = sink->stats();
            return s.worker_restarts > restarts && s.worker_state != coro_worker_state::running;
        }));
    }
    REQUIRE(wait_until(in_state(coro_worker_state::fallback)));

    // 4. In fallback, log() writes on the caller's thread, the queue first: tcp_sink cannot
    //    connect, so all of it goes to the fallback sink.
    const auto e = log_n("s4e", 30);
    CHECK(sink->stats().queue_size == 0);
    CHECK(sink->stats().fallback_writes == d.size() - lost_d + e.size());

    // 5. Back on the same port: the next write reconnects and ends the fallback.
    restart_server();
    const auto f = log_n("s4f", 200);
    REQUIRE(wait_until([&] {
        const auto s = sink->stats();
        return s.queue_size == 0 && s.worker_state == coro_worker_state::running;
    }));
    const std::size_t arrived_expected = a.size() + (b.size() - lost_b) + f.size();
    REQUIRE(server.wait_for_messages(arrived_expected));

    // What arrived: all of a, b without the messages the dead connection swallowed, all of
    // f, in that order; nothing of c (all in the dead kernel buffers).
    std::vector<std::string> want(a);
    want.insert(want.end(), b.begin() + static_cast<std::ptrdiff_t>(lost_b), b.end());
    want.insert(want.end(), f.begin(), f.end());
    const auto got = server.messages();
    const std::string arrived_difference = first_difference(got, want);
    INFO(arrived_difference);
    CHECK(arrived_difference.empty());
    const auto r = check_received(got, sent, size);
    CHECK(r.foreign == 0);
    CHECK(r.duplicates == 0);

    // What the fallback sink got: d after the swallowed ones, then all of e, in order.
    fallback->flush();
    std::vector<std::string> spooled;
    {
        std::ifstream in(server.directory() + "/fallback.log");
        for (std::string line; std::getline(in, line);) spooled.push_back(line);
    }
    std::vector<std::string> want_spooled(d.begin() + static_cast<std::ptrdiff_t>(lost_d), d.end());
    want_spooled.insert(want_spooled.end(), e.begin(), e.end());
    const std::string spooled_difference = first_difference(spooled, want_spooled);
    INFO(spooled_difference);
    CHECK(spooled_difference.empty());

    // The sink's books: nothing dropped or failed, everything processed; and processed ==
    // arrived + fallback + swallowed by dead connections, with the swallowed ones exactly
    // the messages sent on a connection after its peer died or while it was stopped.
    const auto s = sink->stats();
    const std::size_t submitted = a.size() + b.size() + c.size() + d.size() + e.size() + f.size();
    const std::size_t lost_in_tcp = lost_b + c.size() + lost_d;
    CHECK(s.messages_submitted == submitted);
    CHECK(s.messages_processed == submitted);
    CHECK(s.messages_dropped == 0);
    CHECK(s.messages_failed == 0);
    CHECK(s.queue_size == 0);
    CHECK(s.fallback_writes == spooled.size());
    CHECK(s.fallback_activations == 1);
    CHECK(s.backend_errors >= 1 + options.max_restarts + 1);
    CHECK(s.messages_processed == got.size() + spooled.size() + lost_in_tcp);
    check_counting(s);
    std::printf(
        "[rsyslog] killed and restarted: %zu submitted, %zu arrived, %zu to the fallback "
        "sink, %zu lost in TCP (%zu sent after a kill while idle, %zu held in the kernel "
        "when it was killed while stopped, %zu sent after that kill), 0 failed or dropped; "
        "%llu restarts, %llu backend errors\n",
        submitted, got.size(), spooled.size(), lost_in_tcp, lost_b, c.size(), lost_d,
        static_cast<unsigned long long>(s.worker_restarts),
        static_cast<unsigned long long>(s.backend_errors));
}
