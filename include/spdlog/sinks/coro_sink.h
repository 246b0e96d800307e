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
}  // namespace coro_detail

// The whole API of coro_sink, compiled into the library (sink/coro_sink_base.cpp);
// coro_sink<Mutex> below only chooses whether it is thread-safe. Use coro_sink_mt or
// coro_sink_st; a coro_sink_base& or shared_ptr<coro_sink_base> takes either.
// Every contract ends with Blocks / Allocates / Throws / Threads. "Threads: any" holds for a
// thread-safe sink (coro_sink_mt); a coro_sink_st takes one call at a time, whatever it is.
// Export: like the rest of the library, no symbol is marked; a shared build relies on the
// default visibility (ELF), and on Windows the library is built static only.
class coro_sink_base : public sink {
public:
    // Writes everything still queued and flushes the wrapped sinks, bounded by
    // options().flush_timeout; what it cannot write in that time goes to fallback_sink or
    // is reported through the error handler.
    // Blocks: up to flush_timeout. Allocates: only what the wrapped sinks, fallback_sink and
    // error reports do. Throws: never. Threads: any.
    ~coro_sink_base() override;

    coro_sink_base(const coro_sink_base &) = delete;
    coro_sink_base &operator=(const coro_sink_base &) = delete;

    // Copies the message into the queue. With the cooperative driver, also runs one worker
    // step inline (the wrapped sinks' I/O on this thread) when a trigger is due and no other
    // thread is running the worker.
    // Blocks: only under overflow_strategy::block with a full queue (until there is room, or
    // block_timeout when set); the cooperative driver's inline step does the wrapped sinks'
    // I/O. Allocates: not in steady state; only a message whose logger name + payload
    // exceed the slot's inline room is copied to the heap. Throws: never. Threads: any.
    void log(const details::log_msg &msg) override;

    // Writes everything queued before the call, then flushes the wrapped sinks, within
    // options().flush_timeout. On timeout: stops, counts flush_timeouts, warns through the
    // error handler; the rest is written later.
    // Blocks: up to flush_timeout (plus one wrapped-sink call in progress). Allocates: only
    // what the wrapped sinks and error reports do. Throws: never. Threads: any.
    void flush() override;

    // Like flush() with an explicit bound. Returns true when everything queued before the
    // call was written and the wrapped sinks flushed within `timeout`.
    // Blocks: up to `timeout` (plus one wrapped-sink call in progress). Allocates: only what
    // the wrapped sinks and error reports do. Throws: never. Threads: any.
    bool flush_for(std::chrono::milliseconds timeout);

    // The application's yield point: resumes the worker once. It writes at most one batch,
    // and only if a trigger is due (or a crashed worker's backoff has expired). Returns how
    // many messages it wrote; 0 at once when another thread is running the worker.
    // Blocks: for the wrapped sinks' I/O, done on the calling thread; never waits for
    // another thread. Allocates: only what the wrapped sinks and error reports do, and a
    // restarted worker's coroutine frame. Throws: never. Threads: any.
    std::size_t poll();

    // A snapshot of the counters; exact at quiescent points.
    // Blocks: never. Allocates: never. Throws: never. Threads: any.
    coro_sink_stats stats() const;

    // The validated options the sink runs with.
    // Blocks: never. Allocates: never. Throws: never. Threads: any.
    const coro_sink_options &options() const;

    // Forwarded to every wrapped sink (each gets its own formatter clone), like dist_sink.
    // Blocks: waits for a batch being written to finish. Allocates: the formatter and its
    // clones. Throws: what building the formatter and the wrapped sinks' set_formatter
    // throw. Threads: any.
    void set_pattern(const std::string &pattern) override;
    void set_formatter(std::unique_ptr<spdlog::formatter> sink_formatter) override;

    // Manage the wrapped sinks, like dist_sink. Messages already queued go to the sinks
    // present when they are written.
    // Blocks: waits for a batch being written to finish. Allocates: room in the sink list
    // (add_sink, set_sinks).
    // Throws: spdlog_ex on a null sink (add_sink, set_sinks; nothing is changed then),
    // std::bad_alloc. Threads: any.
    void add_sink(sink_ptr sub_sink);
    void remove_sink(const sink_ptr &sub_sink);
    void set_sinks(std::vector<sink_ptr> sinks);

    // A copy of the wrapped sinks.
    // Blocks: waits for a batch being written to finish. Allocates: the copy. Throws:
    // std::bad_alloc only. Threads: any.
    std::vector<sink_ptr> sinks() const;

protected:
    // Wraps `sinks` (none may be null; the vector may be empty and filled with add_sink),
    // with `options`, validated here. `thread_safe` false skips the lock around the wrapped
    // sinks (ignored by coro_driver::thread, which is always thread-safe).
    // Blocks: never (the thread driver starts its thread and returns). Allocates: the whole
    // queue up front (options.max_queue_size slots). Throws: spdlog_ex naming the field, its
    // value and the valid range when an option is invalid, or naming a null sink; what
    // std::thread throws. Threads: any.
    coro_sink_base(std::vector<sink_ptr> sinks, coro_sink_options options, bool thread_safe);

private:
    coro_detail::coro_core_ptr core_;
};

// coro_sink_mt and coro_sink_st; any Mutex other than details::null_mutex is thread-safe.
// The contracts are coro_sink_base's.
template <typename Mutex>
class coro_sink : public coro_sink_base {
public:
    explicit coro_sink(std::vector<sink_ptr> sinks, coro_sink_options options = {})
        : coro_sink_base(
              std::move(sinks), std::move(options), !std::is_same_v<Mutex, details::null_mutex>) {}
};

using coro_sink_mt = coro_sink<std::mutex>;
using coro_sink_st = coro_sink<details::null_mutex>;

}  // namespace sinks
}  // namespace spdlog
