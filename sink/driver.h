// driver.h - where the worker runs: the one interface the core asks instead of switching on
// coro_driver.
//
//   inline_driver (cooperative, manual)  the threads that log, poll and flush run it
//   thread_driver                        a thread owned by the sink (thread_driver.h)
//   event_loop_driver                    the application's loop, through its scheduler
//                                        (event_loop_driver.h)
//
// One virtual call per log() (queued()): measured with bench --quick against the switch it
// replaced, within noise (docs/design.md, "Drivers").

#pragma once

#include "time_math.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace spdlog {
namespace sinks {
namespace coro_detail {

class coro_core;

class driver {
public:
    virtual ~driver() = default;

    // Once the core is complete (the thread driver starts its thread). Throws what starting
    // a thread throws.
    virtual void start() {}
    // A message was queued; `depth` is the queue depth with it, `stamp` its queue time.
    // The hot path: Blocks only where the driver runs a step inline; Throws: never.
    virtual void queued(std::size_t depth, time_point stamp) noexcept = 0;
    // In synchronous fallback, log() writes on the caller's thread (all but manual).
    virtual bool writes_fallback_inline() const noexcept { return true; }
    // A producer waits for room under overflow_strategy::block: make progress. Returns true
    // when room was made (look again at once), false when the caller should wait a little.
    virtual bool make_room() noexcept = 0;
    // A flush for `ticket` until `deadline`: true when the driver served it (waited for its
    // own thread), with the outcome in `ok`; false when the caller must run the worker.
    virtual bool serve_flush(std::uint64_t ticket, time_point deadline, bool &ok) noexcept {
        (void)ticket, (void)deadline, (void)ok;
        return false;
    }
    // The worker role was given up (after every step).
    virtual void role_released() noexcept {}
    // close(): before its final flush (the event loop's resumptions are cut off), and
    // after it. stop() returns false when the core must not be deleted now (its thread was
    // stuck in a wrapped sink and deletes the core itself).
    virtual void before_close() noexcept {}
    virtual bool stop(bool flushed) noexcept {
        (void)flushed;
        return true;
    }
};

// The driver options().driver names, for `core`. Allocates; throws std::bad_alloc.
std::unique_ptr<driver> make_driver(coro_core &core);

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
