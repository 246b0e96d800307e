// coro_crash_drain.h - opt-in: write out what every live coro_sink still queues when the
// process is about to die.
//
// Messages a coro_sink has queued but not yet written are lost when the process dies, and so
// are those the wrapped sinks buffer (basic_file_sink's stdio buffer is not flushed by a
// fatal signal). coro_crash_drain_now() is a last, best-effort attempt to save them, for an
// application's own crash handler: it writes the queue of every live coro_sink to its
// wrapped sinks on the calling thread, in order, then flushes them, within a deadline. It
// does not need the sinks' worker threads.
//
// Honest limits:
//   - Writing to spdlog sinks from a signal handler is NOT async-signal-safe: the sinks lock
//     mutexes, format, may allocate and do stdio. If the crash left one of those locks held
//     (a crash inside malloc, inside a wrapped sink, inside set_pattern), the drain blocks.
//   - The deadline is real time (steady_clock), by design: an injected clock
//     (coro_sink_options::clock) may never advance in a dying process. Every other time rule
//     of coro_sink reads the injected clock.
//   - A crash inside a wrapped sink of coro_sink S, on the thread writing S's batch: S's
//     wrapped sinks cannot be used (their lock is held up the stack), so S's queue goes to
//     S's fallback_sink only, and is lost without one.
//   - At most coro_crash_drain_max_sinks sinks are covered at once; a sink constructed while
//     that many are alive says so through its error handler and is not drained.

#pragma once

#include <chrono>
#include <cstddef>

namespace spdlog {
namespace sinks {

// How many sinks the crash drain covers at once. A sink constructed while this many others
// are alive is not covered (and reports it through its error handler).
inline constexpr std::size_t coro_crash_drain_max_sinks = 1024;

// For applications with their own crash handler (Crashpad, backward-cpp, ...): drains every
// live coro_sink now, on the calling thread, and returns how many messages it wrote (to
// wrapped sinks or fallback sinks). For each sink: waits for its worker (another thread may
// be writing a batch) until three quarters of `deadline` have passed, writes what is queued
// to the wrapped sinks in order (a message a wrapped sink rejects goes to fallback_sink, or
// is counted in messages_failed), then flushes them; the counters stay exact. When called
// from inside a wrapped sink of a sink (this thread is writing its batch), that sink's queue
// goes to its fallback_sink only. Only one thread drains at a time: a second caller waits
// for the first, up to `deadline`.
// Blocks up to `deadline` plus the wrapped-sink call in progress: it arms no watchdog, so a wrapped
// sink that never returns blocks it (arm your own, e.g. alarm(), if your sinks can hang). Never
// throws. Allocates only if a wrapped sink does, or to report an error. Not async-signal-safe (see
// above), but usable from a crash handler as a best effort. Any thread. A deadline <= 0 does
// nothing and returns 0.
std::size_t coro_crash_drain_now(std::chrono::milliseconds deadline) noexcept;

}  // namespace sinks
}  // namespace spdlog
