// restart_policy.h - when to restart a crashed worker, and when to give up on it.
//
// Exponential backoff: after the f-th consecutive failure the worker is restarted after
// first_delay * 2^(f-1), capped at max_delay. A message written successfully resets f to 0.
// After max_restarts consecutive failed restarts (that is, on failure max_restarts + 1) the
// supervisor stops restarting and the sink falls back to synchronous writing.

#pragma once

#include <chrono>
#include <cstddef>

namespace spdlog {
namespace sinks {
namespace coro_detail {

class restart_policy {
public:
    restart_policy(std::size_t max_restarts,
                   std::chrono::milliseconds first_delay,
                   std::chrono::milliseconds max_delay) noexcept
        : max_restarts_(max_restarts),
          first_delay_(first_delay),
          max_delay_(max_delay) {}

    // Records one more consecutive failure. Returns true when the worker may be restarted
    // (after delay()), false when the restart budget is spent.
    bool on_failure() noexcept {
        ++failures_;
        return failures_ <= max_restarts_;
    }

    // A message was written: the failure sequence starts again.
    void on_success() noexcept { failures_ = 0; }

    std::size_t consecutive_failures() const noexcept { return failures_; }

    // The wait before the next restart: first_delay doubled per consecutive failure beyond
    // the first, never above max_delay (doubling stops before it could overflow).
    std::chrono::milliseconds delay() const noexcept {
        auto d = first_delay_;
        for (std::size_t i = 1; i < failures_ && d < max_delay_; ++i) {
            d = (d > max_delay_ / 2) ? max_delay_ : d * 2;
        }
        return d < max_delay_ ? d : max_delay_;
    }

private:
    std::size_t max_restarts_;
    std::chrono::milliseconds first_delay_;
    std::chrono::milliseconds max_delay_;
    std::size_t failures_ = 0;
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
