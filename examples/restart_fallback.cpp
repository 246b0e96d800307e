// restart_fallback.cpp - a wrapped sink that fails for a while: restarts with backoff,
// synchronous fallback to a spool file, and recovery, as on_event reports them.
//
// When a wrapped sink throws, the exception never reaches the code that logs. The message
// stays queued, and the worker is restarted after a backoff that doubles with each further
// failure (restart_backoff, up to max_restart_backoff). After max_restarts failed restarts
// in a row the sink falls back to writing synchronously: each message the wrapped sink still
// refuses goes to fallback_sink, here a real file. The first message the wrapped sink
// accepts again ends the fallback.
//
// The failing sink is made up (a collector that refuses the next n writes); the rest is what
// a service would configure. The thread driver retries on its own thread; flush_for() just
// waits for the outcome.
//
// Checks: outage 1 is ridden out by 3 restarts, outage 2 ends in fallback and recovery;
// every message reached the collector or the spool file once, and the events reported add
// up to the counters.

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/coro_sink.h>
#include <spdlog/spdlog.h>

#include "example_print.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using spdlog::sinks::coro_event_kind;

namespace {

// A collector sink that refuses the next `n` writes after refuse_next(n), throwing as a
// network sink does when its peer is unreachable.
class collector_sink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    void refuse_next(int n) { refusals_left_ = n; }
    int received() const { return received_; }

protected:
    void sink_it_(const spdlog::details::log_msg &msg) override {
        if (refusals_left_ > 0) {
            --refusals_left_;
            throw spdlog::spdlog_ex("collector unreachable (simulated)");
        }
        spdlog::memory_buf_t line;
        formatter_->format(msg, line);  // a real collector sink would send this
        ++received_;
    }
    void flush_() override {}

private:
    std::atomic<int> refusals_left_{0};
    std::atomic<int> received_{0};
};

}  // namespace

int main() {
    auto collector = std::make_shared<collector_sink>();
    auto spool =
        std::make_shared<spdlog::sinks::basic_file_sink_mt>("restart_fallback.spool", true);

    const auto start = std::chrono::steady_clock::now();
    std::array<std::atomic<std::uint64_t>, 6> reported{};  // per coro_event_kind
    spdlog::sinks::coro_sink_options options;
    options.driver = spdlog::sinks::coro_driver::thread;
    options.batch_size = 1;
    options.max_restarts = 3;
    options.restart_backoff = 10ms;  // 10, 20, 40 ms: the fourth failure in a row falls back
    options.max_restart_backoff = 200ms;
    options.fallback_sink = spool;
    options.event_interval = 0ms;  // report every occurrence (a pager would want 1 s or more)
    options.on_event = [&](const spdlog::sinks::coro_sink_event &e) {
        reported[static_cast<std::size_t>(e.kind)] += e.count;
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - start);
        example::print("  +{:>3} ms  {:<13} {} new, {:>2} in all   (fallback_active {})\n",
                       ms.count(), to_string(e.kind), e.count, e.total, e.stats.fallback_active);
    };
    // The exception texts; the events above already say what happened, so just count them.
    std::atomic<int> errors{0};
    options.error_handler = [&errors](const std::string &) { ++errors; };

    auto coro = std::make_shared<spdlog::sinks::coro_sink_mt>(
        std::vector<spdlog::sink_ptr>{collector}, options);
    auto log = std::make_shared<spdlog::logger>("audit", coro);
    log->set_pattern("%Y-%m-%d %H:%M:%S.%e [%n] %l: %v");

    example::print("outage 1: the collector refuses 3 writes\n");
    collector->refuse_next(3);
    for (int i = 1; i <= 5; ++i) {
        log->info("payment {} settled", i);  // never throws, whatever the collector does
    }
    const bool flushed_1 = coro->flush_for(2s);
    const auto after_1 = coro->stats();

    example::print("outage 2: the collector refuses 7 writes (4 crashes, then 3 in fallback)\n");
    collector->refuse_next(7);
    for (int i = 6; i <= 10; ++i) {
        log->info("payment {} settled", i);
    }
    const bool flushed_2 = coro->flush_for(2s);
    const auto s = coro->stats();
    log.reset();
    coro.reset();  // joins the worker thread: every event it noticed has been reported

    std::ifstream in("restart_fallback.spool");
    const auto spooled = std::count(std::istreambuf_iterator<char>(in), {}, '\n');
    example::print(
        "collector received {}, spool file {} lines; restarts {}, backend_errors {}, "
        "fallback_activations {}, fallback_recoveries {}, error handler calls {}\n",
        collector->received(), spooled, s.worker_restarts, s.backend_errors, s.fallback_activations,
        s.fallback_recoveries, errors.load());

    const auto events_match = [&](coro_event_kind kind, std::uint64_t counter) {
        return reported[static_cast<std::size_t>(kind)] == counter;
    };
    const bool ok = flushed_1 && after_1.worker_restarts == 3 &&
                    after_1.fallback_activations == 0 && flushed_2 && s.worker_restarts == 6 &&
                    s.fallback_activations == 1 && s.fallback_recoveries == 1 &&
                    !s.fallback_active && spooled == 3 && s.fallback_writes == 3 &&
                    collector->received() + spooled == 10 && s.messages_processed == 10 &&
                    s.messages_failed == 0 &&
                    events_match(coro_event_kind::restart, s.worker_restarts) &&
                    events_match(coro_event_kind::backend_error, s.backend_errors) &&
                    events_match(coro_event_kind::fallback, s.fallback_activations) &&
                    events_match(coro_event_kind::recovery, s.fallback_recoveries);
    example::print("restart_fallback: {}\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
