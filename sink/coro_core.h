// coro_core.h - the engine behind spdlog::sinks::coro_sink: queue, worker, supervisor.
//
// Three parts, one object:
//   - submission (log): reserve a place in the bound, copy the message into the ring,
//     and, with the cooperative driver, run one worker step inline when a trigger is due;
//   - the worker: a C++20 coroutine (worker_task) that writes one batch per resumption;
//   - the supervisor: whoever holds the *worker role* resumes the coroutine, restarts it
//     after a crash once its backoff has passed, and switches to synchronous fallback when
//     the restart budget is spent.
//
// The worker role is a try-lock flag: at most one thread runs the worker at a time, and
// log() / poll() never wait for it (they skip the step when another thread has it). Only
// flush, the destructor, the fallback path and a producer blocked under overflow_strategy
// ::block wait for it. Everything the worker owns (the coroutine, the message in hand, the
// supervisor state) is touched only by the role holder; what other threads read (state,
// restart time, counters) is atomic.
//
// Drivers: with cooperative and manual, the threads that log / poll / flush take the role
// in turn. With the thread driver, a thread owned by the core (worker_thread.cpp) takes it
// whenever something is due and parks otherwise; producers wake it only on rare edges (the
// first message after a long idle period, queue pressure, a flush request, a producer
// blocked for room).
//
// Flush requests are tickets: flush_for() asks for every ticket below the ring's tail at
// the call (flush_requested_ keeps the highest ask, plus one so that an empty queue still
// asks for the wrapped sinks' flush); the role holder drains up to it, flushes the wrapped
// sinks, and publishes flush_completed_. A flush is never starved by later messages.
//
// Monitoring (event_monitor.cpp): the counters double as event sources; a gate per kind
// rate-limits the on_event calls. Events are delivered by a producer whose message was
// dropped, or by a thread when it gives up the worker role (role_scope), never by a thread
// inside a wrapped sink.
//
// Event-loop driver (event_loop_driver.cpp): like manual, plus producers hand a resumption to
// the user's scheduler on edges; scheduled_at_ is the earliest one outstanding.
//
// Lock order: loop_link::mutex, worker role, then sinks_mutex_. log() takes none of them on
// its fast path.

#pragma once

#include "error_reporter.h"
#include "event_gate.h"
#include "message_ring.h"
#include "queued_message.h"
#include "restart_policy.h"
#include "worker_task.h"

#include <spdlog/sinks/coro_sink_options.h>
#include <spdlog/sinks/coro_sink_stats.h>
#include <spdlog/sinks/sink.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace spdlog {
namespace sinks {
namespace coro_detail {

struct loop_link;
class coro_core;
// event_loop_driver.cpp. make_loop_link returns a link holding one reference (the core's).
loop_link *make_loop_link(coro_core &core);
void run_resumption(loop_link &link) noexcept;

class coro_core {
public:
    using clock = std::chrono::steady_clock;
    using time_point = clock::time_point;

    coro_core(std::vector<sink_ptr> sinks, coro_sink_options options, bool thread_safe);
    ~coro_core();

    // Drains, flushes and stops the worker thread (if any), bounded by flush_timeout; what
    // is left goes to the fallback sink or is reported. Returns true when the caller may
    // delete the core now; false when the worker thread is stuck inside a wrapped sink and
    // was detached: it deletes the core itself when the sink returns.
    bool close() noexcept;

    coro_core(const coro_core &) = delete;
    coro_core &operator=(const coro_core &) = delete;

    void log(const details::log_msg &msg) noexcept;
    bool flush_for(std::chrono::milliseconds timeout) noexcept;
    std::size_t poll() noexcept;

    void set_pattern(const std::string &pattern);
    void set_formatter(std::unique_ptr<spdlog::formatter> formatter);
    void add_sink(sink_ptr sink);
    void remove_sink(const sink_ptr &sink);
    void set_sinks(std::vector<sink_ptr> sinks);
    std::vector<sink_ptr> sinks() const;

    coro_sink_stats stats() const noexcept;
    const coro_sink_options &options() const noexcept { return options_; }

    // The crash drain's work on this core (crash_drain.cpp): writes what is queued and
    // flushes, without the coroutine, with real-time bounds. Returns messages written.
    std::size_t crash_drain(time_point write_until, bool dying) noexcept;

private:
    // Why the worker writes in a step.
    enum class trigger { none, retry, drain, time, batch };
    // The worker ended because a wrapped sink failed. Not a std::exception on purpose:
    // nothing but the coroutine machinery catches it.
    struct worker_crash {};
    class role_scope;
    class sinks_lock;
    friend void run_resumption(loop_link &link) noexcept;

    time_point now() const noexcept { return options_.clock ? options_.clock() : clock::now(); }
    // t + d, saturating at time_point::max(): options and flush_for() accept durations up to
    // milliseconds::max(), and a deadline that overflowed would lie in the past.
    static time_point after(time_point t, std::chrono::milliseconds d) noexcept {
        const auto room =
            std::chrono::duration_cast<std::chrono::milliseconds>(time_point::max() - t);
        return d >= room ? time_point::max() : t + std::chrono::duration_cast<clock::duration>(d);
    }
    static std::int64_t ticks(time_point t) noexcept {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
    }

    // --- submission ---
    // Claims a place for one message, applying the overflow strategy. Returns false when
    // the message was dropped (already counted). `depth` receives the queue depth with it.
    bool make_room(time_point stamp, std::size_t &depth) noexcept;
    bool reserve(std::size_t &depth) noexcept;
    void note_high_water(std::size_t depth) noexcept;
    void reject(std::atomic<std::uint64_t> &reason) noexcept;
    void maybe_step(std::size_t depth, time_point stamp) noexcept;
    void enqueue(const details::log_msg &msg) noexcept;
    // Fallback with the cooperative driver: drain the queue, then write `msg` on this
    // thread. Returns false (and does nothing) when it cannot take the worker role.
    bool log_synchronously(const details::log_msg &msg) noexcept;

    // --- worker role ---
    bool try_acquire_role() noexcept;
    // Waits for the role until `deadline` on the injected clock; false on timeout.
    bool acquire_role_until(time_point deadline) noexcept;
    void release_role() noexcept;
    // True when this thread holds the role (possibly further up its stack: a wrapped sink
    // that logs back into this sink, or a flush from inside a wrapped sink).
    bool held_by_this_thread() const noexcept;

    // --- supervisor (role holder only) ---
    // One resumption, with restart / backoff handling. Returns messages written.
    std::size_t step(time_point t) noexcept;
    worker_task worker();
    trigger due(time_point t) const noexcept;
    // Writes up to batch_size messages, oldest first. synchronous = fallback policy (a
    // failure routes the message to the fallback sink instead of crashing the worker).
    void write_batch(bool synchronous);
    // Offers `msg` to the wrapped sinks. When `retry` is set, only to those in `pending`
    // (the ones that failed last time, and are still wrapped). Sinks that throw are left in
    // `pending`. Returns true when no sink is left. Caller holds sinks_lock.
    bool deliver(const details::log_msg &msg, bool retry, std::vector<sink_ptr> &pending) noexcept;
    // A message the wrapped sinks could not take in synchronous mode: true when the
    // fallback sink took it (processed), false when it is lost (failed).
    bool route_to_fallback(const details::log_msg &msg) noexcept;
    // Creates the coroutine frame; false (instead of std::bad_alloc) when it cannot.
    bool start_worker() noexcept;
    void flush_wrapped(bool synchronous);
    bool drained(std::uint64_t target) const noexcept;
    // Asks for a flush of every message queued so far; returns the ticket to wait for.
    std::uint64_t request_flush() noexcept;
    bool flush_done(std::uint64_t ticket) const noexcept {
        return flush_completed_.load(std::memory_order_acquire) >= ticket;
    }

    // --- monitoring (event_monitor.cpp) ---
    // The counter an event kind follows (the matching stats field).
    std::uint64_t event_total(coro_event_kind kind) const noexcept;
    // Delivers what `kind` has pending if its gate allows it now. Not from inside a wrapped
    // sink (checked by the callers through tls_held_roles).
    void deliver_event(coro_event_kind kind) noexcept;
    // Every kind; what a thread does when it gives up the worker role.
    void deliver_events() noexcept;
    // A producer's message was dropped.
    void on_drop() noexcept;
    // When the earliest pending event may be delivered; max when none is pending.
    time_point next_event_due() const noexcept;

    // --- event-loop driver (event_loop_driver.cpp) ---
    // Makes sure a resumption runs no later than `want` (ticks): hands one to the scheduler
    // unless an earlier one is outstanding.
    void request_resume(std::int64_t want, time_point t) noexcept;
    // A resumption: one step, then the next resumption if work is still due.
    void resume_from_loop() noexcept;
    // When the next resumption is needed (ticks), max when nothing is pending. Role holder.
    std::int64_t next_resume_at(time_point t) const noexcept;
    // Cuts the sink off its outstanding resumptions (they become no-ops). close() only.
    void detach_loop() noexcept;
    // Called by role_scope when the role is given up: asks for the resumption that one run
    // while the role was taken could not do (resume_after_role_).
    void resume_after_role_released() noexcept;

    // --- thread driver (worker_thread.cpp) ---
    void start_thread();
    void thread_main() noexcept;
    // Runs steps while something is due; returns when nothing more can be done now.
    // `wake_at` receives the injected-clock time of the next timed trigger (max if none);
    // `busy` is set when something is due but could not progress (a head being copied in).
    // `idle` is set when nothing at all is pending (no message, no backoff, no flush to
    // retry): only then may the thread park without a timeout.
    void run_due_steps(time_point &wake_at, bool &busy, bool &idle) noexcept;
    void park(time_point wake_at, bool busy, bool idle) noexcept;
    // Wakes the parked worker thread. Cheap when it is not parked: one seq_cst load.
    void wake_worker() noexcept;
    bool stop_thread(std::chrono::milliseconds grace) noexcept;
    void on_crash(time_point t) noexcept;
    void enter_fallback() noexcept;
    void leave_fallback() noexcept;
    void abandon_leftovers() noexcept;
    void sink_failed(const char *operation, const char *what) noexcept;
    // The same for options_.fallback_sink.
    void fallback_failed(const char *operation, const char *what) noexcept;
    void wait_a_little(unsigned &spins) const noexcept;
    // Reports the message `build()` returns; never throws (not even bad_alloc). While the
    // role holder has the wrapped sinks locked, its reports are deferred until the lock is
    // released (deferred_reports), so a user error handler may call add_sink / remove_sink
    // / set_pattern without deadlocking.
    template <typename Build>
    void report(Build &&build) noexcept {
        try {
            // held_by_this_thread() first: only the role holder writes defer_reports_, so
            // other threads must not read it.
            if (held_by_this_thread() && defer_reports_) {
                deferred_reports_.push_back(build());
            } else {
                errors_.report(build());
            }
        } catch (...) {
        }
    }
    class deferred_reports;

    // A message left the queue: written (processed) or given up (failed). Role holder only.
    // The two counters and queued_ change inside one seqlock write, so stats() never sees
    // the message in both places or in neither, even while the worker thread is mid-batch.
    // from_queue: the message held a unit of queued_ (false for a synchronous direct write).
    void count_done(std::uint64_t processed, std::uint64_t failed, bool from_queue) noexcept;

    const coro_sink_options options_;
    const bool thread_safe_;
    // thread_safe_ is forced on with the thread driver: the sink's own thread writes while
    // the user's thread may call add_sink / set_pattern, whatever Mutex the user chose.
    const std::int64_t interval_ticks_;        // flush_interval in ns (saturated)
    const std::int64_t block_timeout_ticks_;   // block_timeout in ns (saturated), 0 = none
    const std::int64_t event_interval_ticks_;  // event_interval in ns (saturated)
    // Thread driver: the queue depth at which a producer wakes a parked worker (pressure).
    const std::size_t wake_mark_;
    error_reporter errors_;

    // Queue. queued_ is the bound: every queued message holds one unit of it, from its
    // reservation until it is written or dropped (the message in the worker's hands too).
    message_ring ring_;
    alignas(64) std::atomic<std::size_t> queued_{0};
    alignas(64) std::atomic<std::size_t> high_water_{0};

    // Counters. Producer-side ones are only touched on drops and other rare paths.
    alignas(64) std::atomic<std::uint64_t> bypassed_{0};  // submitted, never entered the ring
    std::atomic<std::uint64_t> evicted_{0};
    std::atomic<std::uint64_t> rejected_{0};  // drop_newest, and full under block re-entrantly
    std::atomic<std::uint64_t> block_timeouts_{0};
    std::atomic<std::uint64_t> copy_failures_{0};  // failed before entering the ring
    // Written by the role holder only, inside counts_seq_ (see count_done).
    alignas(64) std::atomic<std::uint64_t> counts_seq_{0};
    std::atomic<std::uint64_t> processed_{0};
    std::atomic<std::uint64_t> failed_{0};
    std::atomic<std::uint64_t> backend_errors_{0};
    std::atomic<std::uint64_t> restarts_{0};
    std::atomic<std::uint64_t> flush_timeouts_{0};
    std::atomic<std::uint64_t> fallback_writes_{0};
    std::atomic<std::uint64_t> fallback_activations_{0};
    std::atomic<std::uint64_t> recoveries_{0};
    // Queue stamp of current_ while it waits for a retry (none = no such message), for
    // stats().oldest_message_age; written by the role holder on failures only.
    static constexpr std::int64_t no_stamp = std::numeric_limits<std::int64_t>::min();
    std::atomic<std::int64_t> retry_stamp_{no_stamp};

    // Monitoring: one gate per coro_event_kind.
    std::array<event_gate, 6> gates_;

    // Supervisor state read by every log() call: on a line that only changes on failures.
    alignas(64) std::atomic<coro_worker_state> state_{coro_worker_state::running};
    std::atomic<std::int64_t> restart_at_{0};  // ticks; meaningful while backing_off

    // The worker role, taken and released at every step.
    alignas(64) std::atomic<bool> role_busy_{false};

    // Owned by the role holder.
    worker_task task_;
    restart_policy restart_;
    queued_message current_;  // the message being written, or parked after a failure
    std::int64_t current_stamp_ = 0;
    bool has_current_ = false;
    bool current_retry_ = false;  // current_ failed before: only current_pending_ get it
    std::vector<sink_ptr> current_pending_;
    std::vector<sink_ptr> direct_pending_;  // same, for a message written synchronously
    bool defer_reports_ = false;            // see report()
    std::vector<std::string> deferred_reports_;
    bool flush_retry_ = false;  // a wrapped flush failed: do it again at the next step
    std::size_t step_written_ = 0;

    // Flush tickets (see the file comment). Waiters in the thread driver sleep on flush_cv_.
    alignas(64) std::atomic<std::uint64_t> flush_requested_{0};
    std::atomic<std::uint64_t> flush_completed_{0};
    std::mutex flush_mutex_;
    std::condition_variable flush_cv_;

    // Thread driver. The worker parks on park_cv_; producers set wake_pending_ on edges.
    std::thread thread_;
    std::mutex park_mutex_;
    std::condition_variable park_cv_;
    bool wake_pending_ = false;  // guarded by park_mutex_
    alignas(64) std::atomic<bool> sleeping_{false};
    std::atomic<bool> parked_forever_{false};  // parked with no timeout: wake on depth 1
    unsigned idle_slices_ = 0;                 // worker thread only
    std::atomic<bool> stop_{false};
    // Exit handshake between close() and the thread (guarded by park_mutex_).
    bool thread_exited_ = false;
    bool orphaned_ = false;

    // Event-loop driver: the earliest outstanding resumption (ticks; max = none), and the
    // link its resumptions reach the core through (null with the other drivers).
    alignas(64) std::atomic<std::int64_t> scheduled_at_{std::numeric_limits<std::int64_t>::max()};
    loop_link *link_ = nullptr;
    // mutable: set through the const core pointers of the thread's held-role list.
    mutable std::atomic<bool> resume_after_role_{false};

    int crash_slot_ = -1;  // in the crash registry (crash_registry.h); -1: not covered

    // Wrapped sinks. Guarded by sinks_mutex_ when thread_safe_.
    mutable std::mutex sinks_mutex_;
    std::vector<sink_ptr> sinks_;
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
