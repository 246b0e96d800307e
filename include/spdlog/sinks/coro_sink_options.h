// coro_sink_options.h - every knob of spdlog::sinks::coro_sink, in one struct.
//
// Defaults are those of the design note the sink grew from (lual's coroutine backend):
// batches of 50, a flush interval of one second, 10000 queued messages, drop_oldest.
// The options are validated once, when the sink is constructed; an invalid value throws
// spdlog::spdlog_ex naming the field, the value and the valid range.
//
//     auto opts = spdlog::sinks::coro_sink_options::high_throughput();
//     opts.overflow = spdlog::sinks::overflow_strategy::block;
//     opts.block_timeout = std::chrono::milliseconds(20);  // bounded back-pressure
//     auto sink = std::make_shared<spdlog::sinks::coro_sink_mt>(sinks, opts);

#pragma once

#include <spdlog/common.h>
#include <spdlog/sinks/coro_event_loop.h>
#include <spdlog/sinks/coro_sink_events.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string_view>

namespace spdlog {
namespace sinks {

// What log() does when max_queue_size messages are already queued.
enum class overflow_strategy {
    // Evict the oldest queued message (counted in queue_overflows and messages_dropped),
    // then queue the new one. The producer never waits. The one message the worker is
    // writing at that instant is not evictable; the oldest of the others goes.
    drop_oldest,
    // Reject the new message (counted in queue_overflows and messages_dropped).
    drop_newest,
    // Never drop: the producer waits for room. With the cooperative and manual drivers a
    // producer makes room itself by running the worker inline, so a single thread cannot
    // deadlock. With block_timeout > 0 a producer that waited that long drops its message
    // (counted in block_timeouts and messages_dropped).
    block,
};

// Who runs the worker coroutine.
enum class coro_driver {
    // Default, the design note's model. A log() call that finds a trigger due resumes the
    // worker inline for one batch; poll() and flush() resume it too. No thread is created.
    cooperative,
    // log() never writes (except to make room under overflow_strategy::block). Only poll(),
    // flush(), flush_for() and the destructor run the worker: for game loops and real-time
    // threads that must never do I/O on the log call.
    manual,
    // A background thread owned by the sink resumes the worker. Producers never do I/O and
    // never wake it per message: only on edges (the queue became non-empty, reached
    // batch_size, a flush was requested, a producer waits for room). It parks without
    // spinning when idle. flush() waits for it; the destructor drains, flushes and joins.
    thread,
    // The application's event loop runs the worker: on the same edges as the thread driver
    // (and when a flush interval or backoff ends) the sink hands a resumption to
    // coro_sink_options::scheduler, for example one that asio::post()s it onto an
    // io_context. log() never writes, except to make room under overflow_strategy::block;
    // flush() writes on the calling thread. See coro_event_loop.h.
    event_loop,
};

// The names used in the text configuration (coro_sink_options::parse) and in messages:
// "drop_oldest", "drop_newest", "block"; "cooperative", "manual", "thread", "event_loop";
// "unknown" for a
// value outside the enum. Never allocate or throw. Any thread.
const char *to_string(overflow_strategy strategy) noexcept;
const char *to_string(coro_driver driver) noexcept;

struct coro_sink_options {
    // Messages written per worker step, and the queue depth that triggers a step.
    // Range: 1 .. max_queue_size.
    std::size_t batch_size = 50;

    // A queued message is written at most this long after it was queued, when the worker
    // gets to run; the step that writes it also flushes the wrapped sinks. Range: > 0.
    std::chrono::milliseconds flush_interval{1000};

    // Bound on queued messages (including one whose write failed and waits for a retry).
    // Range: 1 .. 2^32. Memory is reserved up front: about 192 bytes per message, plus a
    // heap copy for any message whose logger name + payload exceed the inline room.
    std::size_t max_queue_size = 10000;

    // What a full queue does; see overflow_strategy.
    overflow_strategy overflow = overflow_strategy::drop_oldest;

    // Who runs the worker; see coro_driver.
    coro_driver driver = coro_driver::cooperative;

    // Consecutive failed restarts of the worker tolerated before the sink falls back to
    // synchronous writing. 0 = fall back at the first failure. Range: any.
    std::size_t max_restarts = 5;

    // Delay before the first restart after a failure; each further consecutive failure
    // doubles it, up to max_restart_backoff. A successful write resets the sequence.
    // Range: 0 .. max_restart_backoff.
    std::chrono::milliseconds restart_backoff{10};
    std::chrono::milliseconds max_restart_backoff{1000};

    // Bound on flush(), on the drain in the destructor, and the default of flush_for()
    // callers who pass it. Range: > 0.
    std::chrono::milliseconds flush_timeout{5000};

    // With overflow_strategy::block: how long a producer waits for room before it drops
    // its message. 0 = wait without limit. Range: >= 0.
    std::chrono::milliseconds block_timeout{0};

    // Optional. Receives the messages the wrapped sinks could not take once the sink has
    // fallen back to synchronous writing, and those still queued when the destructor
    // gives up. Empty = such messages are counted in messages_failed.
    spdlog::sink_ptr fallback_sink;

    // Receives every error and warning of the sink (a wrapped sink threw, a flush timed out,
    // the sink fell back, messages were lost at destruction). Called from whichever thread
    // runs the worker; must not throw (if it does, the exception is swallowed). Empty = print
    // to stderr like spdlog's default handler, at most once a second.
    spdlog::err_handler error_handler;

    // Monitoring: called when messages are dropped, a wrapped sink throws, the worker is
    // restarted, the sink falls back to synchronous writing or recovers, or a flush times
    // out; see coro_sink_events.h for when and on which thread. Empty = no calls.
    coro_event_handler on_event;

    // Least time between two on_event calls of the same kind; occurrences in between are
    // coalesced into the next call. 0 = no rate limit: a call per occurrence, except that
    // occurrences racing with a call in progress share the next one. Range: >= 0.
    std::chrono::milliseconds event_interval{1000};

    // Required with coro_driver::event_loop, and only allowed with it: receives the worker's
    // resumptions for the application's loop to run. See coro_event_loop.h.
    coro_scheduler scheduler;

    // The time source of every time-based rule (flush interval, restart backoff, flush and
    // block timeouts, error rate limit). Called from any thread that logs or runs the
    // worker; must be thread-safe and monotonic. Empty = std::chrono::steady_clock::now.
    std::function<std::chrono::steady_clock::time_point()> clock;

    // Presets from the design note. Each returns the defaults with a few fields changed.
    // Never blocks, allocates or throws. Any thread.
    // batch 100, flush every 50 ms, 50000 queued, drop_oldest.
    static coro_sink_options high_throughput();
    // batch 10, flush every 1 s, 1000 queued, drop_oldest.
    static coro_sink_options memory_constrained();
    // batch 1, flush every 100 ms, block (never drops).
    static coro_sink_options reliable();

    // Options from text, in the spirit of spdlog::cfg::load_env_levels: comma-separated
    // key=value pairs, whitespace around keys and values ignored, for example
    //     "preset=high_throughput,batch_size=200,flush_interval=50ms,overflow=block,driver=thread"
    // preset (high_throughput, memory_constrained, reliable, default) is applied first,
    // wherever it appears; then the other keys in order. A key given twice: the last wins.
    // Keys: batch_size, max_queue_size, max_restarts (unsigned integers); flush_interval,
    // flush_timeout, restart_backoff, max_restart_backoff, block_timeout, event_interval
    // (durations with a unit: ms, s, or us when a whole number of milliseconds); overflow
    // (drop_oldest, drop_newest, block); driver (cooperative, manual, thread; event_loop is
    // rejected: its scheduler cannot be given in text). Empty items are skipped, so "" gives
    // the defaults. The result is validated (see validate()) before it is returned;
    // fallback_sink, error_handler, on_event, scheduler and clock stay empty.
    // Never blocks. Allocates. Throws spdlog_ex naming the key, the value and what is
    // accepted (unknown keys, a missing '=', bad values, validate() errors); text from the
    // input is quoted with '"', '\\' and bytes outside printable ASCII escaped (\xNN), so
    // the message is always whole and printable. Any thread.
    static coro_sink_options parse(std::string_view text);

    // parse() of the environment variable SPDLOG_CORO; the defaults when it is unset or
    // empty. Never blocks. Allocates. Throws spdlog_ex like parse(), the message prefixed
    // with the variable's name. Any thread, but it reads the environment with std::getenv,
    // which is not thread-safe against a concurrent setenv/putenv.
    static coro_sink_options from_env();

    // Throws spdlog_ex naming the first invalid field, its value and the valid range;
    // returns normally when every rule holds. Allocates only to build the message.
    void validate() const;
};

}  // namespace sinks
}  // namespace spdlog
