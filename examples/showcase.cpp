// showcase.cpp - a simulated workload through coro_sink that prints what the sink did.
//
//   1. A cooperative service ("checkout") logs requests through coro_sink_mt in front of a
//      file sink, a console sink that shows only warnings and errors, and an audit sink:
//      the batch trigger inside log(), then the time trigger from the event loop's poll().
//   2. A frame loop ("render") with the manual driver: batches written per poll(), then a
//      burst that overflows a small queue under drop_oldest.
//   3. The audit sink fails three times: backend_errors, worker restarts with a doubling
//      backoff, recovery, and no message written twice to the sinks that took it.
//   4. The audit sink stays down: synchronous fallback, messages it refuses go to the
//      fallback sink (a spool file), and recovery when it comes back.
//   5. The final stats of both sinks and the checks a user can rely on.
//
// Real time (steady_clock) with short intervals; every wait is bounded, so the program ends
// by itself within a couple of seconds. Exit status 0 when every check held.

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/coro_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "example_print.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using spdlog::sinks::coro_sink_mt;
using spdlog::sinks::coro_sink_options;
using spdlog::sinks::coro_sink_stats;
using steady = std::chrono::steady_clock;

// Upper bound on every wait below; reaching it means the sink misbehaved.
constexpr auto patience = 2000ms;

bool all_ok = true;

// The sink's error handler. It may be called from whichever thread runs the worker, hence
// the lock. Runs of the same message are folded into one line with a count.
class error_printer {
public:
    void operator()(const std::string &message) {
        std::lock_guard<std::mutex> lock(mutex_);
        ++calls_;
        if (message == last_) {
            ++repeats_;
            return;
        }
        print_repeats();
        example::print("    ! error handler: {}\n", message);
        last_ = message;
    }
    // Ends a run of repeats (printing its count) so the next message is shown again.
    void end_run() {
        std::lock_guard<std::mutex> lock(mutex_);
        print_repeats();
        last_.clear();
    }
    std::size_t calls() {
        std::lock_guard<std::mutex> lock(mutex_);
        return calls_;
    }

private:
    void print_repeats() {
        if (repeats_ != 0) {
            example::print("    ! error handler: ... the same {} more time(s)\n", repeats_);
        }
        repeats_ = 0;
    }

    std::mutex mutex_;
    std::string last_;
    std::size_t repeats_ = 0;
    std::size_t calls_ = 0;
};

error_printer errors;

// Prints a line of the narrative, after any pending error-handler repeat count.
template <typename... Args>
void note(spdlog::format_string_t<Args...> format, Args &&...args) {
    errors.end_run();
    example::print(format, std::forward<Args>(args)...);
}

void check(bool ok, const std::string &what) {
    note("  [{}] {}\n", ok ? "ok" : "FAILED", what);
    all_ok = all_ok && ok;
}

// An audit shipper whose collector is sometimes unreachable. While it is down, or for the
// next `n` messages after fail_next(n), sink_it_ throws, as a network sink would.
class audit_sink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    void fail_next(int n) { failures_left_ = n; }
    void set_down(bool down) { down_ = down; }
    std::size_t delivered() const { return delivered_; }

protected:
    void sink_it_(const spdlog::details::log_msg &msg) override {
        if (down_ || failures_left_ > 0) {
            if (failures_left_ > 0) {
                --failures_left_;
            }
            throw spdlog::spdlog_ex("audit collector unreachable (simulated)");
        }
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);  // what a real shipper would send
        ++delivered_;
    }
    void flush_() override {}

private:
    std::atomic<int> failures_left_{0};
    std::atomic<bool> down_{false};
    std::atomic<std::size_t> delivered_{0};
};

const char *state_name(spdlog::sinks::coro_worker_state s) {
    switch (s) {
        case spdlog::sinks::coro_worker_state::running:
            return "running";
        case spdlog::sinks::coro_worker_state::backing_off:
            return "backing_off";
        case spdlog::sinks::coro_worker_state::fallback:
            return "fallback";
    }
    return "?";
}

long long ms_since(steady::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start).count();
}

std::size_t count_lines(const std::filesystem::path &file) {
    std::ifstream in(file);
    return static_cast<std::size_t>(std::count(std::istreambuf_iterator<char>(in), {}, '\n'));
}

void print_brief(const coro_sink_stats &s) {
    note(
        "    stats: submitted {}, processed {}, queued {}, dropped {}, backend_errors {}, "
        "restarts {}, state {}\n",
        s.messages_submitted, s.messages_processed, s.queue_size, s.messages_dropped,
        s.backend_errors, s.worker_restarts, state_name(s.worker_state));
}

// Calls poll() every millisecond until `done` holds or `patience` runs out. Prints a line
// whenever the worker's health or progress changes, as a dashboard would.
bool poll_until(coro_sink_mt &sink, const std::function<bool(const coro_sink_stats &)> &done) {
    const auto start = steady::now();
    auto last = sink.stats();
    while (!done(last)) {
        if (steady::now() - start > patience) {
            note("    gave up after {} ms\n", ms_since(start));
            return false;
        }
        std::this_thread::sleep_for(1ms);
        const std::size_t written = sink.poll();
        const auto now = sink.stats();
        if (written != 0 || now.worker_restarts != last.worker_restarts ||
            now.backend_errors != last.backend_errors || now.worker_state != last.worker_state) {
            note(
                "    +{:>3} ms  poll() -> {:>2}  restarts {}, backend_errors {}, state {}, "
                "queued {}\n",
                ms_since(start), written, now.worker_restarts, now.backend_errors,
                state_name(now.worker_state), now.queue_size);
        }
        last = now;
    }
    return true;
}

// A request handler of the simulated service: mostly info, a slow one now and then
// (warning), an upstream failure every 25th request (error).
void handle_request(spdlog::logger &log, int id) {
    const int latency_ms = (id * 37) % 200 + 5;
    if (id % 25 == 0) {
        log.error("POST /orders/{} -> 503 upstream timeout after {} ms", id, latency_ms);
    } else if (latency_ms > 185) {
        log.warn("GET /orders/{} -> 200 slow: {} ms", id, latency_ms);
    } else {
        log.info("GET /orders/{} -> 200 in {} ms", id, latency_ms);
    }
}

}  // namespace

int main() {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path dir = fs::temp_directory_path() / "spdlog-coro-showcase";
    fs::remove_all(dir, ec);
    fs::create_directories(dir);

    // --- 1. The cooperative service -----------------------------------------------------
    auto file =
        std::make_shared<spdlog::sinks::basic_file_sink_mt>((dir / "app.log").string(), true);
    auto console = std::make_shared<spdlog::sinks::stdout_color_sink_mt>();
    console->set_level(spdlog::level::warn);
    auto audit = std::make_shared<audit_sink>();
    auto spool = std::make_shared<spdlog::sinks::basic_file_sink_mt>(
        (dir / "audit-spool.log").string(), true);

    coro_sink_options options;  // cooperative driver, drop_oldest: the defaults
    options.batch_size = 16;
    options.flush_interval = 100ms;
    options.max_queue_size = 256;
    options.max_restarts = 3;
    options.restart_backoff = 5ms;
    options.max_restart_backoff = 40ms;
    options.flush_timeout = 1000ms;
    options.fallback_sink = spool;
    options.error_handler = [](const std::string &message) { errors(message); };
    auto service_sink = std::make_shared<coro_sink_mt>(
        std::vector<spdlog::sink_ptr>{file, console, audit}, options);
    auto service = std::make_shared<spdlog::logger>("checkout", service_sink);
    service->set_pattern("%H:%M:%S.%e %^%-7l%$ [%n] %v");  // forwarded to the wrapped sinks

    note("Logs go to {}\n\n", dir.string());
    note(
        "== 1. Cooperative service: 40 requests through coro_sink_mt (batch_size 16, "
        "flush_interval 100 ms)\n"
        "    wrapped: app.log (all levels), console (warn and up, printed as it is written), "
        "audit sink\n");
    int request = 0;
    while (request < 40) {
        handle_request(*service, ++request);
    }
    auto s = service_sink->stats();
    note("    after 40 log() calls: {} written by log() itself (batch trigger), {} queued\n",
         s.messages_processed, s.queue_size);
    note("    event loop yields: poll() -> {} (fewer than 16 queued, none 100 ms old)\n",
         service_sink->poll());
    note("    the event loop keeps polling while the service is idle:\n");
    poll_until(*service_sink, [](const coro_sink_stats &st) { return st.queue_size == 0; });
    note("    the time trigger wrote the leftover and flushed: app.log has {} lines\n",
         count_lines(dir / "app.log"));
    print_brief(service_sink->stats());

    // --- 2. The manual frame loop -------------------------------------------------------
    std::ostringstream frames_out;
    auto frames = std::make_shared<spdlog::sinks::ostream_sink_mt>(frames_out);
    coro_sink_options frame_options;
    frame_options.driver = spdlog::sinks::coro_driver::manual;  // log() never does I/O
    frame_options.batch_size = 10;
    frame_options.flush_interval = 50ms;
    frame_options.max_queue_size = 32;
    frame_options.overflow = spdlog::sinks::overflow_strategy::drop_oldest;
    auto render_sink =
        std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{frames}, frame_options);
    auto render = std::make_shared<spdlog::logger>("render", render_sink);
    render->set_pattern("%v");

    note(
        "\n== 2. Frame loop with the manual driver (batch_size 10, flush_interval 50 ms, "
        "max_queue_size 32, drop_oldest)\n");
    for (int frame = 1; frame <= 3; ++frame) {
        for (int call = 1; call <= 7; ++call) {
            render->info("frame {} draw call {}", frame, call);
        }
        const std::size_t written = render_sink->poll();
        note("    frame {}: logged 7, end-of-frame poll() -> {:>2}, queued {}\n", frame, written,
             render_sink->stats().queue_size);
    }
    note("    idle frames keep polling; the leftover ages past flush_interval:\n");
    poll_until(*render_sink, [](const coro_sink_stats &st) { return st.queue_size == 0; });

    const std::size_t before_burst = frames_out.str().size();
    for (int asset = 1; asset <= 100; ++asset) {
        render->info("asset {} loaded", asset);
    }
    s = render_sink->stats();
    note(
        "    frame 5: a loading burst logs 100 messages before the next poll: queued {}, "
        "queue_overflows {} (oldest evicted)\n",
        s.queue_size, s.queue_overflows);
    const bool flushed = render_sink->flush_for(500ms);
    const std::string burst_out = frames_out.str().substr(before_burst);
    note("    flush_for(500 ms) -> {}; first message kept: \"{}\"\n", flushed,
         burst_out.substr(0, burst_out.find('\n')));

    // --- 3. The audit sink fails for a while --------------------------------------------
    note(
        "\n== 3. The audit collector fails 3 times (max_restarts 3, restart_backoff 5 ms, "
        "doubling)\n");
    audit->fail_next(3);
    const std::size_t app_lines_before = count_lines(dir / "app.log");
    for (int i = 0; i < 16; ++i) {
        handle_request(*service, ++request);
    }
    note("    16 more requests; the 16th log() ran the batch and the audit sink threw\n");
    print_brief(service_sink->stats());
    poll_until(*service_sink, [](const coro_sink_stats &st) {
        return st.queue_size == 0 && st.worker_state == spdlog::sinks::coro_worker_state::running;
    });
    service_sink->flush();
    note("    recovered: app.log got {} new lines for 16 requests (no duplicates)\n",
         count_lines(dir / "app.log") - app_lines_before);

    // --- 4. The audit sink stays down: fallback -----------------------------------------
    note("\n== 4. The audit collector goes down for good: after 4 crashes, fallback\n");
    audit->set_down(true);
    for (int i = 0; i < 16; ++i) {
        handle_request(*service, ++request);
    }
    const bool fell_back =
        poll_until(*service_sink, [](const coro_sink_stats &st) { return st.fallback_active; });
    for (int i = 0; i < 5; ++i) {
        handle_request(*service, ++request);  // written on this thread, the spool gets them
    }
    s = service_sink->stats();
    note(
        "    5 requests during the outage: log() drained the queue in order, then wrote on this "
        "thread;\n    the audit sink refused each message, so the spool (fallback_sink) took it: "
        "fallback_writes {}, queued {}\n",
        s.fallback_writes, s.queue_size);
    audit->set_down(false);
    service->info("audit collector reachable again");
    ++request;
    s = service_sink->stats();
    note("    collector back; the next message reaches every sink: fallback_active {}\n",
         s.fallback_active);
    print_brief(s);

    // --- 5. Final stats and checks ------------------------------------------------------
    service_sink->flush();
    render_sink->flush();
    const coro_sink_stats a = service_sink->stats();
    const coro_sink_stats b = render_sink->stats();
    note("\n== 5. Final stats\n");
    note("    {:<22} {:>10} {:>10}\n", "", "checkout", "render");
    const auto row = [](const char *name, auto x, auto y) {
        note("    {:<22} {:>10} {:>10}\n", name, x, y);
    };
    row("messages_submitted", a.messages_submitted, b.messages_submitted);
    row("messages_processed", a.messages_processed, b.messages_processed);
    row("messages_dropped", a.messages_dropped, b.messages_dropped);
    row("messages_failed", a.messages_failed, b.messages_failed);
    row("queue_overflows", a.queue_overflows, b.queue_overflows);
    row("block_timeouts", a.block_timeouts, b.block_timeouts);
    row("worker_restarts", a.worker_restarts, b.worker_restarts);
    row("backend_errors", a.backend_errors, b.backend_errors);
    row("flush_timeouts", a.flush_timeouts, b.flush_timeouts);
    row("fallback_writes", a.fallback_writes, b.fallback_writes);
    row("fallback_activations", a.fallback_activations, b.fallback_activations);
    row("queue_size", a.queue_size, b.queue_size);
    row("queue_high_water", a.queue_high_water, b.queue_high_water);
    row("queue_capacity", a.queue_capacity, b.queue_capacity);
    row("worker_state", state_name(a.worker_state), state_name(b.worker_state));
    note("    (the error handler was called {} times: every backend error and every warning)\n\n",
         errors.calls());

    for (const auto *st : {&a, &b}) {
        const char *name = st == &a ? "checkout" : "render";
        check(st->messages_submitted == st->messages_processed + st->messages_dropped +
                                            st->messages_failed + st->queue_size,
              spdlog::fmt_lib::format(
                  "{}: submitted {} == processed {} + dropped {} + failed {} + queued {}", name,
                  st->messages_submitted, st->messages_processed, st->messages_dropped,
                  st->messages_failed, st->queue_size));
        check(st->messages_dropped == st->queue_overflows + st->block_timeouts,
              spdlog::fmt_lib::format("{}: dropped {} == queue_overflows {} + block_timeouts {}",
                                      name, st->messages_dropped, st->queue_overflows,
                                      st->block_timeouts));
    }
    const auto requests = static_cast<std::uint64_t>(request);
    check(a.messages_submitted == requests,
          spdlog::fmt_lib::format("checkout: {} messages logged, {} submitted", requests,
                                  a.messages_submitted));
    check(count_lines(dir / "app.log") == requests,
          spdlog::fmt_lib::format(
              "app.log holds each of the {} messages exactly once, across {} restarts", requests,
              a.worker_restarts));
    const std::size_t spooled = count_lines(dir / "audit-spool.log");
    check(audit->delivered() + spooled == requests,
          spdlog::fmt_lib::format("each message reached the audit sink ({}) or its spool ({}) once",
                                  audit->delivered(), spooled));
    check(fell_back && a.fallback_activations == 1 && !a.fallback_active,
          "checkout fell back once and recovered");
    check(b.queue_overflows == 100 - b.queue_capacity && flushed,
          "render: the burst evicted exactly what did not fit, and flush_for finished in time");

    render.reset();
    service.reset();
    render_sink.reset();  // the destructors drain and flush what is left (nothing, here)
    service_sink.reset();
    note("\n{}\n", all_ok ? "showcase: all checks passed" : "showcase: some checks FAILED");
    return all_ok ? 0 : 1;
}
