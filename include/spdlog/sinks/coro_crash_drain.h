// coro_crash_drain.h - opt-in: write out what every live coro_sink still queues when the
// process is about to die (fatal signal or std::terminate).
//
// Messages a coro_sink has queued but not yet written are lost when the process dies, and so
// are those the wrapped sinks buffer (basic_file_sink's stdio buffer is not flushed by a
// fatal signal). The crash drain is a last, best-effort attempt to save them: on a crash it
// writes the queue of every live coro_sink to its wrapped sinks on the crashing thread, in
// order, then flushes them, within a deadline. It does not need the sinks' worker threads.
//
//     int main() {
//         spdlog::sinks::install_coro_crash_drain();  // once, early, on the main thread
//         auto sink = std::make_shared<spdlog::sinks::coro_sink_mt>(sinks, options);
//         ...
//     }
//
// Honest limits (docs/reliability.md, "Crash drain"):
//   - Writing to spdlog sinks from a signal handler is NOT async-signal-safe: the sinks lock
//     mutexes, format, may allocate and do stdio. If the crash left one of those locks held
//     (a crash inside malloc, inside a wrapped sink, inside set_pattern), the drain blocks.
//     A watchdog bounds that: when `deadline` passes, the process is ended with the signal it
//     was dying of (its previous handler runs, or the default action with its core dump).
//   - The deadline is real time (steady_clock), by design: an injected clock
//     (coro_sink_options::clock) may never advance in a dying process. Every other time rule
//     of coro_sink reads the injected clock.
//   - SIGKILL (including the kernel's OOM killer) and _exit() cannot be intercepted.
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

// Whether the crash drain can drain on fatal signals on this platform (Linux), and so the
// default of coro_crash_drain_options::on_signals: install_coro_crash_drain() with default
// options works on every platform.
#if defined(__linux__)
inline constexpr bool coro_crash_drain_has_signals = true;
#else
inline constexpr bool coro_crash_drain_has_signals = false;
#endif

struct coro_crash_drain_options {
    // Bound on the whole drain, in real time: every sink written and flushed. Messages are
    // written during the first three quarters, the rest is left for flushing; a watchdog
    // ends the process when it has passed. Range: 1 ms .. 1 h.
    std::chrono::milliseconds deadline{1000};

    // Drain on SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT (Linux only: true there by
    // default, false elsewhere, where true is rejected; coro_crash_drain_has_signals). The
    // handlers run on an alternate signal stack for the thread calling
    // install_coro_crash_drain (so a stack overflow on that thread can still be handled);
    // other threads need their own sigaltstack for that.
    bool on_signals = coro_crash_drain_has_signals;

    // Drain in a std::terminate handler (an uncaught exception, an exception escaping a
    // noexcept function), then call the previous terminate handler.
    bool on_terminate = true;
};

// How many sinks the crash drain covers at once. A sink constructed while this many others
// are alive is not covered (and reports it through its error handler).
inline constexpr std::size_t coro_crash_drain_max_sinks = 1024;

// Installs the crash drain. Validates `options` first and throws spdlog_ex naming the
// field, the value and the valid range when one is invalid (nothing is installed then).
// Idempotent: a handler is installed at most once per process, so the handlers it found
// (which run after the drain) are never ours; a later call updates the deadline and adds
// the kinds of handler not installed yet, and never removes one.
// Chaining: after the drain, a signal's previous disposition is restored and the signal
// raised again (or the faulting instruction re-executed), so the process still dies of the
// same signal, with its core dump, or the previous handler (Crashpad, a sanitizer) runs.
// The previous terminate handler is called, or std::abort() when there was none. Install
// it after the crash handlers it should chain to; a handler installed later replaces ours
// for that signal, and ours runs only if that one chains to it.
// Allocates (an alternate signal stack, mmap). Thread-safe; not from a signal handler.
void install_coro_crash_drain(const coro_crash_drain_options &options = {});

// For applications with their own crash handler (Crashpad, backward-cpp, ...): drains every
// live coro_sink now, on the calling thread, and returns how many messages it wrote (to
// wrapped sinks or fallback sinks). For each sink: waits for its worker (another thread may
// be writing a batch) until three quarters of `deadline` have passed, writes what is queued
// to the wrapped sinks in order (a message a wrapped sink rejects goes to fallback_sink, or
// is counted in messages_failed), then flushes them; the counters stay exact. When called
// from inside a wrapped sink of a sink (this thread is writing its batch), that sink's queue
// goes to its fallback_sink only. Only one thread drains at a time: a second caller waits
// for the first, up to `deadline`.
// Blocks up to `deadline` plus the wrapped-sink call in progress: unlike the installed
// handlers, it arms no watchdog, so a wrapped sink that never returns blocks it (arm your
// own, e.g. alarm(), if your sinks can hang). Never throws. Allocates only if a wrapped
// sink does, or to report an error. Not async-signal-safe (see above), but usable from a
// crash handler as a best effort. Any thread. A deadline <= 0 does nothing and returns 0.
std::size_t coro_crash_drain_now(std::chrono::milliseconds deadline) noexcept;

}  // namespace sinks
}  // namespace spdlog
