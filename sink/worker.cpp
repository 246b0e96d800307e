// worker.cpp - the worker: its coroutine, the triggers that make a step write, the step
// with its restart handling, and the batch writer.
//
// A *step* is one resumption of the coroutine; it writes at most batch_size messages,
// oldest first, and only when a trigger is due (see due()). A wrapped sink's failure leaves
// the coroutine body as worker_crash, which ends the coroutine; the supervisor decides when
// the next step may restart it.

#include "coro_core.h"

#include "text.h"

#include <algorithm>

namespace spdlog {
namespace sinks {
namespace coro_detail {

std::size_t coro_core::step(time_point t) noexcept {
    step_written_ = 0;
    switch (health_.state(std::memory_order_relaxed)) {
        case coro_worker_state::backing_off:
            if (ticks(t) < health_.restart_at()) return 0;
            // The backoff is over: restart now, and let the new worker run this very step
            // (unlike the original, a restarted worker is never asleep).
            if (!start_worker()) {
                crashed(t);
                return 0;
            }
            health_.restarted();
            break;
        case coro_worker_state::running:
        case coro_worker_state::fallback:
            if (!task_.alive() && !start_worker()) {
                crashed(t);
                return 0;
            }
            break;
    }
    const worker_task::step result = task_.resume();
    if (result.crashed) crashed(t);
    return step_written_;
}

bool coro_core::start_worker() noexcept {
    try {
        task_ = worker();  // allocates the coroutine frame
        return true;
    } catch (...) {
        // Out of memory for the frame: treat it as a crash, so backoff and fallback apply.
        return false;
    }
}

void coro_core::crashed(time_point t) noexcept {
    task_.reset();
    health_.crashed(t);
}

worker_task coro_core::worker() {
    for (;;) {
        const trigger why = due(now());
        if (why != trigger::none) {
            const bool synchronous =
                health_.state(std::memory_order_relaxed) == coro_worker_state::fallback;
            // A flush asks for every message below (request - 1); see flush_tickets.h.
            const std::uint64_t request = tickets_.requested();
            write_batch(synchronous);
            if (why == trigger::drain && !hand_.holding() && ring_.head() >= request - 1) {
                flush_wrapped(synchronous);
                tickets_.complete(request);
            } else if (why == trigger::time || flush_retry_) {
                flush_wrapped(synchronous);
            }
        }
        co_yield step_written_;
    }
}

coro_core::trigger coro_core::due(time_point t) const noexcept {
    if (hand_.holding()) return trigger::retry;
    if (tickets_.pending()) return trigger::drain;
    if (flush_retry_) return trigger::time;
    if (counts_.queued() >= options_.batch_size) return trigger::batch;
    const auto oldest = ring_.oldest_stamp();
    if (oldest && ticks(t) - *oldest >= interval_ticks_) return trigger::time;
    return trigger::none;
}

bool coro_core::due_on_log(std::size_t depth, time_point stamp) const noexcept {
    if (depth >= options_.batch_size) return true;
    switch (health_.state(std::memory_order_relaxed)) {
        case coro_worker_state::running: {
            const auto oldest = ring_.oldest_stamp();
            return oldest && ticks(stamp) - *oldest >= interval_ticks_;
        }
        case coro_worker_state::backing_off:
            return ticks(stamp) >= health_.restart_at();
        case coro_worker_state::fallback:
            break;
    }
    return true;
}

coro_core::work_due coro_core::next_work(time_point t) const noexcept {
    const time_point events = monitor_.next_due();
    const auto soonest = [&](time_point at) {
        return work_due{std::min(at, events), false, false};
    };
    if (health_.state(std::memory_order_relaxed) == coro_worker_state::backing_off) {
        const time_point restart = from_ticks(health_.restart_at());
        return restart <= t ? work_due{t, true, false} : soonest(restart);
    }
    if (due(t) != trigger::none) return {t, true, false};
    // seq_cst: the driver's read of its lost-wake-up proof (event_loop_driver.cpp).
    if (counts_.queued(std::memory_order_seq_cst) == 0) {
        return {events, false, events == time_point::max()};
    }
    if (const auto oldest = ring_.oldest_stamp()) {
        return soonest(after(from_ticks(*oldest), options_.flush_interval));
    }
    // Reserved but still being copied in by their producers: look again soon.
    return soonest(after(t, std::chrono::milliseconds(1)));
}

void coro_core::write_batch(bool synchronous) {
    // Each message written is counted at once (deliver_next): its unit of the bound is
    // released, so a producer blocked for room behind a slow wrapped sink waits for one
    // write, not a whole batch (see ledger.h for the rejected alternative).
    // Declared before the lock, so the reports reach the error handler after it is released.
    sink_reports::deferral deferred(reports_);
    wrapped_sinks::lock lock(sinks_);
    const delivery_policy policy =
        synchronous ? delivery_policy::wrapped_or_fallback : delivery_policy::wrapped_or_park;
    for (std::size_t n = 0; n < options_.batch_size; ++n) {
        const delivered outcome = hand_.deliver_next(policy);
        if (outcome == delivered::nothing) break;
        if (outcome == delivered::parked) throw worker_crash{};  // the message stays in hand
        if (outcome == delivered::written) {
            health_.succeeded();
            if (synchronous) health_.leave_fallback();
        }
        ++step_written_;
    }
}

void coro_core::flush_wrapped(bool synchronous) {
    bool ok = false;
    {
        sink_reports::deferral deferred(reports_);
        ok = sinks_.flush_all();
    }
    flush_retry_ = !ok && !synchronous;
    if (flush_retry_) throw worker_crash{};
}

bool coro_core::drain_until(std::uint64_t ticket, time_point deadline) noexcept {
    unsigned spins = 0;
    for (;;) {
        const std::size_t written = step(now());
        if (tickets_.done(ticket)) return true;
        if (now() > deadline) return false;
        if (written == 0) worker_role::wait_a_little(spins);  // backing off, or being copied in
    }
}

void coro_core::abandon_leftovers() noexcept {
    std::uint64_t processed = 0;
    std::uint64_t failed = 0;
    for (;;) {
        const delivered outcome = hand_.deliver_next(delivery_policy::fallback_only);
        if (outcome == delivered::nothing) break;
        (outcome == delivered::lost ? failed : processed) += 1;
    }
    if (processed + failed != 0) {
        reports_.report([&] {
            return concat("coro_sink destroyed with ", processed + failed,
                          " unwritten messages: ", processed, " sent to the fallback sink, ",
                          failed, " lost");
        });
    }
}

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
