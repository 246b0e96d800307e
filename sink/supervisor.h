// supervisor.h - the worker's health: running, backing off before a restart, or in
// synchronous fallback; when the next restart may happen; the restart budget.
//
// A wrapped sink's failure crashes the worker coroutine. The supervisor then either
// schedules a restart after an exponential backoff (restart_policy) or, when the budget is
// spent, switches the sink to synchronous fallback; a message every wrapped sink accepts
// in fallback leaves it. Every transition is counted and reported.
//
// Threads: transitions are made by the worker-role holder only. state() and restart_at()
// are read by every log() call: they sit on their own cache line, written only on failures.

#pragma once

#include "ledger.h"
#include "restart_policy.h"
#include "sink_reports.h"
#include "time_math.h"

#include <spdlog/sinks/coro_sink_options.h>
#include <spdlog/sinks/coro_sink_stats.h>

#include <atomic>
#include <cstdint>

namespace spdlog {
namespace sinks {
namespace coro_detail {

class supervisor {
public:
    supervisor(const coro_sink_options &options, ledger &counts, sink_reports &reports) noexcept
        : restart_(options.max_restarts, options.restart_backoff, options.max_restart_backoff),
          counts_(counts),
          reports_(reports) {}

    coro_worker_state state(std::memory_order order = std::memory_order_acquire) const noexcept {
        return state_.load(order);
    }
    // When the backoff ends (ticks); meaningful while backing_off.
    std::int64_t restart_at() const noexcept { return restart_at_.load(std::memory_order_relaxed); }
    // Backing off, and the backoff is not over at `t`.
    bool waiting_at(time_point t) const noexcept {
        return state(std::memory_order_relaxed) == coro_worker_state::backing_off &&
               ticks(t) < restart_at();
    }

    // The worker crashed at `t`: back off before a restart, or fall back. Role holder.
    // Blocks: in the error handler, unless deferred. Throws: never.
    void crashed(time_point t) noexcept;
    // A restart after the backoff succeeded. Role holder.
    void restarted() noexcept;
    // A message was written: the consecutive failures start again from zero. Role holder.
    void succeeded() noexcept { restart_.on_success(); }
    // Every wrapped sink accepted a message in fallback: back to the worker. Role holder.
    void leave_fallback() noexcept;

private:
    void enter_fallback() noexcept;

    alignas(64) std::atomic<coro_worker_state> state_{coro_worker_state::running};
    std::atomic<std::int64_t> restart_at_{0};
    restart_policy restart_;  // role holder only
    ledger &counts_;
    sink_reports &reports_;
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
