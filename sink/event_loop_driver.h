// event_loop_driver.h - coro_driver::event_loop: the application's loop runs the worker.
// Like manual, plus producers hand a resumption to the user's scheduler on edges (the rules
// and the no-lost-resumption proof are in event_loop_driver.cpp).

#pragma once

#include "inline_driver.h"

#include <atomic>
#include <cstdint>
#include <limits>

namespace spdlog {
namespace sinks {
namespace coro_detail {

struct loop_link;

class event_loop_driver : public inline_driver {
public:
    // Allocates the link its resumptions reach the core through; throws std::bad_alloc.
    explicit event_loop_driver(coro_core &core);
    ~event_loop_driver() override;

    void queued(std::size_t depth, time_point stamp) noexcept override;
    bool writes_fallback_inline() const noexcept override { return true; }
    void role_released() noexcept override;
    // Cuts the sink off its outstanding resumptions (they become no-ops); waits for one
    // running now to finish its step.
    void before_close() noexcept override { detach(); }

    // A resumption: one step, then the next resumption if work is still due. Called through
    // the link only.
    void resume() noexcept;
    // The role holder this thread is inside asked for a resumption that it must do itself
    // when it gives up the role.
    void resume_after_role() noexcept { resume_after_role_.store(true, std::memory_order_seq_cst); }

private:
    // Makes sure a resumption runs no later than `want` (ticks): hands one to the scheduler
    // unless an earlier one is outstanding.
    void request_resume(std::int64_t want, time_point t) noexcept;
    void detach() noexcept;

    // The earliest outstanding resumption (ticks; max = none).
    alignas(64) std::atomic<std::int64_t> scheduled_at_{std::numeric_limits<std::int64_t>::max()};
    loop_link *link_;
    std::atomic<bool> resume_after_role_{false};
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
