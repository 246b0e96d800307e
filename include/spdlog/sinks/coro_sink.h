// coro_sink.h - an asynchronous sink for spdlog, driven by a C++20 coroutine worker.
//
// coro_sink sits in front of the sinks you already have. log() copies the message (payload,
// logger name, level, time, thread id, source location) into a bounded circular buffer and
// returns; a worker coroutine later writes the queued messages to the wrapped sinks in
// batches. The logger front end is untouched: levels, patterns, flush_on, flush_every work
// as with any other sink.
//
//     auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>("app.log");
//     auto coro = std::make_shared<spdlog::sinks::coro_sink_mt>(
//         std::vector<spdlog::sink_ptr>{file},
//         spdlog::sinks::coro_sink_options::high_throughput());
//     auto log = std::make_shared<spdlog::logger>("app", coro);
//     log->info("hello {}", 42);  // queued; written in batches by the worker
//     coro->poll();               // the application's yield point (cooperative driver)
//
// When the worker writes (see coro_driver in coro_sink_options.h):
//   - batch trigger: batch_size messages are queued;
//   - time trigger: the oldest queued message is flush_interval old (the wrapped sinks are
//     flushed after that batch);
//   - flush(): everything queued before the call is written, then the wrapped sinks flushed.
//
// Failures: a wrapped sink that throws crashes the worker coroutine; the message stays
// queued, the error goes to the error handler and is counted, and the worker is restarted
// after an exponential backoff. Each wrapped sink receives each message at most once: a
// retry goes only to the sinks that failed. After max_restarts consecutive failed restarts
// the sink falls back to synchronous writing (queue drained first, in order); messages that
// still fail go to fallback_sink, or are counted in messages_failed. Nothing a wrapped sink
// throws ever reaches the caller of logger->info().
//
// Guarantees:
//   - Messages are written in the order their log() calls took a queue position; for one
//     thread that is the order it logged them.
//   - Counting identity (see coro_sink_stats.h) at every quiescent point.
//   - The destructor writes what is queued and flushes, bounded by flush_timeout; what it
//     cannot write goes to fallback_sink or is reported through the error handler.
//
// coro_sink_mt may be used from any number of threads. coro_sink_st must only be used from
// one thread at a time (including poll() and flush()); it skips the lock around the wrapped
// sinks. Any Mutex other than details::null_mutex gives the thread-safe behaviour.

#pragma once

#include <spdlog/details/log_msg.h>
#include <spdlog/details/null_mutex.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/coro_sink_options.h>
#include <spdlog/sinks/coro_sink_stats.h>
#include <spdlog/sinks/sink.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

namespace spdlog {
namespace sinks {

namespace coro_detail {
// The engine behind coro_sink: queue, worker coroutine, supervisor. Lives in the compiled
// library (sink/coro_core.h) so that users' translation units never see <coroutine> or the
// ring buffer.
class coro_core;
struct coro_core_deleter {
    void operator()(coro_core *core) const noexcept;
};
using coro_core_ptr = std::unique_ptr<coro_core, coro_core_deleter>;

coro_core_ptr make_coro_core(std::vector<sink_ptr> sinks,
                             coro_sink_options options,
                             bool thread_safe);
void core_log(coro_core &core, const details::log_msg &msg) noexcept;
void core_flush(coro_core &core) noexcept;
bool core_flush_for(coro_core &core, std::chrono::milliseconds timeout) noexcept;
std::size_t core_poll(coro_core &core) noexcept;
void core_set_pattern(coro_core &core, const std::string &pattern);
void core_set_formatter(coro_core &core, std::unique_ptr<spdlog::formatter> formatter);
void core_add_sink(coro_core &core, sink_ptr sink);
void core_remove_sink(coro_core &core, const sink_ptr &sink);
void core_set_sinks(coro_core &core, std::vector<sink_ptr> sinks);
std::vector<sink_ptr> core_sinks(const coro_core &core);
coro_sink_stats core_stats(const coro_core &core) noexcept;
const coro_sink_options &core_options(const coro_core &core) noexcept;
}  // namespace coro_detail

template <typename Mutex>
class coro_sink : public sink {
public:
    // Wraps `sinks` (none may be null; the vector may be empty and filled with add_sink).
    // Validates `options` and throws spdlog_ex naming the field, its value and the valid
    // range when one is invalid. Allocates the whole queue up front
    // (options.max_queue_size slots). Any thread.
    explicit coro_sink(std::vector<sink_ptr> sinks, coro_sink_options options = {})
        : core_(coro_detail::make_coro_core(
              std::move(sinks), std::move(options), !std::is_same_v<Mutex, details::null_mutex>)) {}

    // Writes everything still queued and flushes the wrapped sinks, bounded by
    // options().flush_timeout; what it cannot write in that time goes to fallback_sink or
    // is reported through the error handler. Never throws. Blocks up to flush_timeout.
    ~coro_sink() override = default;

    coro_sink(const coro_sink &) = delete;
    coro_sink &operator=(const coro_sink &) = delete;

    // Copies the message into the queue. Never throws; never blocks except under
    // overflow_strategy::block with a full queue. No allocation in steady state (only a
    // message whose logger name + payload exceed the slot's inline room is copied to the
    // heap). With the cooperative driver, runs one worker step inline when a trigger is due
    // and no other thread is running the worker. Any thread (coro_sink_mt).
    void log(const details::log_msg &msg) override { coro_detail::core_log(*core_, msg); }

    // Writes everything queued before the call, then flushes the wrapped sinks, within
    // options().flush_timeout. On timeout: stops, counts flush_timeouts, warns through the
    // error handler; the rest is written later. Blocks; never throws. Any thread.
    void flush() override { coro_detail::core_flush(*core_); }

    // Like flush() with an explicit bound. Returns true when everything queued before the
    // call was written and the wrapped sinks flushed within `timeout`. Blocks up to
    // `timeout` (plus one wrapped-sink call in progress); never throws. Any thread.
    bool flush_for(std::chrono::milliseconds timeout) {
        return coro_detail::core_flush_for(*core_, timeout);
    }

    // The application's yield point: resumes the worker once. It writes at most one batch,
    // and only if a trigger is due (or a crashed worker's backoff has expired). Returns how
    // many messages it wrote. Returns 0 at once when another thread is running the worker.
    // Never throws; does the wrapped sinks' I/O on the calling thread. Any thread.
    std::size_t poll() { return coro_detail::core_poll(*core_); }

    // A snapshot of the counters; exact at quiescent points. Never blocks or throws.
    // Any thread.
    coro_sink_stats stats() const { return coro_detail::core_stats(*core_); }

    // The validated options the sink runs with. Any thread.
    const coro_sink_options &options() const { return coro_detail::core_options(*core_); }

    // Forwarded to every wrapped sink (each gets its own formatter clone), like dist_sink.
    // Waits for a batch being written to finish. Any thread.
    void set_pattern(const std::string &pattern) override {
        coro_detail::core_set_pattern(*core_, pattern);
    }
    void set_formatter(std::unique_ptr<spdlog::formatter> sink_formatter) override {
        coro_detail::core_set_formatter(*core_, std::move(sink_formatter));
    }

    // Manage the wrapped sinks, like dist_sink. add_sink throws spdlog_ex on a null sink.
    // Messages already queued go to the sinks present when they are written. Wait for a
    // batch being written to finish. Any thread.
    void add_sink(sink_ptr sub_sink) { coro_detail::core_add_sink(*core_, std::move(sub_sink)); }
    void remove_sink(const sink_ptr &sub_sink) { coro_detail::core_remove_sink(*core_, sub_sink); }
    void set_sinks(std::vector<sink_ptr> sinks) {
        coro_detail::core_set_sinks(*core_, std::move(sinks));
    }
    // A copy of the wrapped sinks. Any thread.
    std::vector<sink_ptr> sinks() const { return coro_detail::core_sinks(*core_); }

private:
    coro_detail::coro_core_ptr core_;
};

using coro_sink_mt = coro_sink<std::mutex>;
using coro_sink_st = coro_sink<details::null_mutex>;

}  // namespace sinks
}  // namespace spdlog
