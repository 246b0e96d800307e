// coro_core.h - the engine behind spdlog::sinks::coro_sink: it owns the components and runs
// the worker coroutine; each rule lives in the component or file named after it
// (docs/design.md, "Layout", has the table):
//   ledger        the bound and every counter (the counting identity)
//   message_ring  the bounded circular buffer     message_in_hand  deliver_next
//   wrapped_sinks the sinks and the fallback sink  supervisor       restart, backoff, fallback
//   flush_tickets the flush protocol's state       worker_role      who may run the worker
//   event_monitor on_event                         driver           where the worker runs
// and, as the core's own functions: submission (coro_core.cpp), the overflow rule
// (overflow.cpp), the worker coroutine, its triggers and the batch writer (worker.cpp), the
// flush (flush.cpp), the crash drain's work on one core (crash_drain.cpp).
//
// Lock order: the event loop's link mutex, the worker role, the wrapped sinks' lock. log()
// takes none of them on its fast path.

#pragma once

#include "driver.h"
#include "event_monitor.h"
#include "flush_tickets.h"
#include "ledger.h"
#include "message_in_hand.h"
#include "message_ring.h"
#include "sink_reports.h"
#include "supervisor.h"
#include "time_math.h"
#include "worker_role.h"
#include "worker_task.h"
#include "wrapped_sinks.h"

#include <spdlog/sinks/coro_sink_options.h>
#include <spdlog/sinks/coro_sink_stats.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace spdlog {
namespace sinks {
namespace coro_detail {

class coro_core {
public:
    // Validates `options` (spdlog_ex naming the field), allocates the ring, starts the
    // driver. thread_safe is forced on with the thread driver: the sink's own thread writes
    // while the user's threads may call add_sink / set_pattern.
    coro_core(std::vector<sink_ptr> sinks, coro_sink_options options, bool thread_safe);
    ~coro_core();
    coro_core(const coro_core &) = delete;
    coro_core &operator=(const coro_core &) = delete;

    // Drains, flushes and stops the driver, bounded by flush_timeout; what is left goes to
    // the fallback sink or is reported. Returns true when the caller may delete the core
    // now; false when the worker thread is stuck inside a wrapped sink and was detached: it
    // deletes the core itself when the sink returns.
    bool close() noexcept;

    // coro_sink's API (the contracts are on coro_sink_base).
    void log(const details::log_msg &msg) noexcept;
    bool flush_for(std::chrono::milliseconds timeout) noexcept;
    std::size_t poll() noexcept;
    coro_sink_stats stats() const noexcept;
    const coro_sink_options &options() const noexcept { return options_; }
    wrapped_sinks &sinks() noexcept { return sinks_; }
    const wrapped_sinks &sinks() const noexcept { return sinks_; }
    // The crash drain's work on this core (crash_drain.cpp): writes what is queued and
    // flushes, without the coroutine, with real-time bounds. Returns messages written.
    std::size_t crash_drain(time_point write_until, bool dying) noexcept;

    // --- for the drivers ---
    time_point now() const noexcept {
        return options_.clock ? options_.clock() : engine_clock::now();
    }
    worker_role &role() noexcept { return role_; }
    const ledger &counts() const noexcept { return counts_; }
    const supervisor &health() const noexcept { return health_; }
    flush_tickets &tickets() noexcept { return tickets_; }
    sink_reports &reports() noexcept { return reports_; }
    event_monitor &monitor() noexcept { return monitor_; }
    std::uint64_t request_flush() noexcept { return tickets_.request(ring_.tail()); }

    // Holds an acquired worker role for a scope; on exit releases it, then delivers the
    // events the step noticed (outside the role, so a handler may flush or log into this
    // sink) and tells the driver. quiet: the crash drain's scope, which must not run user
    // callbacks from a signal handler.
    class role_scope {
    public:
        explicit role_scope(coro_core &core, bool quiet = false) noexcept
            : core_(core),
              holder_(core.role_),
              quiet_(quiet) {}
        ~role_scope() {
            holder_.release();
            if (quiet_) return;
            core_.monitor_.deliver_all();
            core_.driver_->role_released();
        }
        role_scope(const role_scope &) = delete;
        role_scope &operator=(const role_scope &) = delete;

    private:
        coro_core &core_;
        worker_role::holder holder_;
        bool quiet_;
    };
    // Takes the role if free and runs one step at `t`; returns messages written (0 when the
    // role was taken). Any thread.
    std::size_t step_if_free(time_point t) noexcept;

    // Role holder only (worker.cpp):
    // One resumption of the worker coroutine, with restart / backoff handling.
    std::size_t step(time_point t) noexcept;
    // When there is work next: step_now when the worker has something due at t; `at` the
    // earliest time something is due (the worker's or a pending event's; max: nothing
    // timed); idle when nothing at all is pending (no message, backoff, flush or event).
    struct work_due {
        time_point at;
        bool step_now;
        bool idle;
    };
    work_due next_work(time_point t) const noexcept;
    // Cooperative driver: whether the message just queued at `depth` makes a step due.
    bool due_on_log(std::size_t depth, time_point stamp) const noexcept;
    // Steps until `ticket` is done or `deadline` passes (injected clock); returns done.
    bool drain_until(std::uint64_t ticket, time_point deadline) noexcept;
    // Routes everything still queued to the fallback sink (or counts it lost) and reports.
    void abandon_leftovers() noexcept;

private:
    // Why the worker writes in a step.
    enum class trigger { none, retry, drain, time, batch };
    // The worker ended because a wrapped sink failed. Not a std::exception on purpose:
    // nothing but the coroutine machinery catches it.
    struct worker_crash {};

    void enqueue(const details::log_msg &msg) noexcept;
    bool log_synchronously(const details::log_msg &msg) noexcept;
    // overflow.cpp: claims a place for one message by the overflow strategy; false when the
    // message was dropped (already counted). `depth` receives the queue depth with it.
    bool make_room(time_point stamp, std::size_t &depth) noexcept;
    void refuse(refusal why) noexcept;
    // worker.cpp
    worker_task worker();
    bool start_worker() noexcept;
    void crashed(time_point t) noexcept;
    trigger due(time_point t) const noexcept;
    void write_batch(bool synchronous);
    void flush_wrapped(bool synchronous);

    const coro_sink_options options_;
    const std::int64_t interval_ticks_;       // flush_interval in ns (saturated)
    const std::int64_t block_timeout_ticks_;  // block_timeout in ns (saturated), 0 = none
    worker_role role_;
    sink_reports reports_;
    ledger counts_;
    message_ring ring_;
    wrapped_sinks sinks_;
    message_in_hand hand_;
    supervisor health_;
    flush_tickets tickets_;
    event_monitor monitor_;
    // Owned by the role holder.
    worker_task task_;
    bool flush_retry_ = false;  // a wrapped flush failed: do it again at the next step
    std::size_t step_written_ = 0;
    int crash_slot_ = -1;  // in the crash registry (crash_registry.h); -1: not covered
    // Last: destroyed first, so a driver's thread or resumption never sees a half-gone core.
    std::unique_ptr<driver> driver_;
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
