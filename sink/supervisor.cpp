// supervisor.cpp - restart, backoff and fallback transitions (see the header).

#include "supervisor.h"

#include "text.h"

#include <string>

namespace spdlog {
namespace sinks {
namespace coro_detail {

void supervisor::crashed(time_point t) noexcept {
    if (!restart_.on_failure()) {
        enter_fallback();
        return;
    }
    const auto delay = restart_.delay();
    restart_at_.store(ticks(after(t, delay)), std::memory_order_relaxed);
    state_.store(coro_worker_state::backing_off, std::memory_order_release);
    reports_.report([&] {
        return concat("coro_sink: worker crashed (", restart_.consecutive_failures(),
                      " consecutive failure(s)); restarting in ", delay);
    });
}

void supervisor::restarted() noexcept {
    counts_.count(tally::restart);
    state_.store(coro_worker_state::running, std::memory_order_release);
}

void supervisor::enter_fallback() noexcept {
    state_.store(coro_worker_state::fallback, std::memory_order_release);
    counts_.count(tally::fallback_activation);
    reports_.report([&] {
        return concat("coro_sink: worker failed ", restart_.consecutive_failures(),
                      " times in a row; falling back to synchronous writing");
    });
}

void supervisor::leave_fallback() noexcept {
    if (state(std::memory_order_relaxed) != coro_worker_state::fallback) return;
    restart_.on_success();
    state_.store(coro_worker_state::running, std::memory_order_release);
    counts_.count(tally::recovery);
    reports_.report([] {
        return std::string(
            "coro_sink: wrapped sinks accept messages again; leaving synchronous fallback");
    });
}

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
