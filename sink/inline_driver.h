// inline_driver.h - coro_driver::cooperative and ::manual: the worker runs on the threads
// that use the sink.
//
//   cooperative  log() runs one step inline when a trigger is due and no other thread is
//                running the worker (a try-lock, never a wait); poll() and flush() too
//   manual       log() never runs the worker, except to make room under block; in
//                fallback it queues instead of writing synchronously
// A producer blocked for room runs a step itself when the role is free (the queue is full,
// so the batch trigger is due).

#pragma once

#include "coro_core.h"
#include "driver.h"

namespace spdlog {
namespace sinks {
namespace coro_detail {

class inline_driver : public driver {
public:
    inline_driver(coro_core &core, bool cooperative) noexcept
        : core_(core),
          cooperative_(cooperative) {}

    void queued(std::size_t depth, time_point stamp) noexcept override {
        if (cooperative_ && core_.due_on_log(depth, stamp)) core_.step_if_free(stamp);
    }
    bool writes_fallback_inline() const noexcept override { return cooperative_; }
    // Nothing written: the role is taken, or the worker is waiting out a restart backoff.
    bool make_room() noexcept override { return core_.step_if_free(core_.now()) != 0; }

protected:
    coro_core &core_;

private:
    const bool cooperative_;
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
