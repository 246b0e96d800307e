// coro_event_loop.h - running coro_sink's worker on the application's own event loop.
//
// With coro_driver::event_loop the sink creates no thread and log() never writes: when work
// becomes due (the first message after an idle period, a full batch, a flush interval, the
// end of a restart backoff) the sink hands a *resumption* to the scheduler you supply, and
// your loop runs it. Each resumption writes at most one batch, then hands over the next one
// if more is due, so a burst of log messages never monopolises the loop.
//
//     asio::io_context io;
//     opts.driver = spdlog::sinks::coro_driver::event_loop;
//     opts.scheduler = [&io](spdlog::sinks::coro_resume resume, std::chrono::nanoseconds delay) {
//         if (delay <= std::chrono::nanoseconds::zero()) return asio::post(io, resume);
//         auto timer = std::make_shared<asio::steady_timer>(io, delay);
//         timer->async_wait([timer, resume](const asio::error_code &) { resume(); });
//     };
//
// The scheduler is called on edges only (not per message), from the thread that noticed the
// edge: a producer inside log(), or the loop thread inside a resumption. It must be
// thread-safe if several threads log (asio::post is), must not throw (an exception is
// reported and the next edge schedules again), and should not run `resume` before it
// returns (if it does, the sink copes, but the loop then does the I/O on the producer). A
// positive delay must be honoured: running a resumption early only costs an empty step, but
// a scheduler that runs every one inline at once makes log() spin until the delay passes.
// Each resumption should eventually be run; one the loop drops without running it (a
// destroyed io_context, a cancelled timer) is noticed, because the sink counts the live
// coro_resume objects, and replaced at the next edge. Do not destroy the sink from inside
// one of its own resumptions (from a wrapped sink or a handler it calls).
// flush(), the destructor, and a producer blocked under overflow_strategy::block do not wait
// for the loop: they write on their own thread, like the cooperative driver.

#pragma once

#include <chrono>
#include <functional>

namespace spdlog {
namespace sinks {

namespace coro_detail {
struct loop_link;  // the sink's end of its resumptions (sink/event_loop_driver.cpp)
}

// One resumption of a coro_sink's worker. Call it (on your loop's thread) to run one worker
// step. Cheap to copy: no allocation, an atomic reference count. Safe to call after the
// sink was destroyed, and more than once: a stale call does at most one empty step.
class coro_resume {
public:
    // Runs one step: at most batch_size messages written to the wrapped sinks on this thread
    // (so it blocks for their I/O), then schedules the next resumption if work is still
    // due. Never throws. Any thread, though your loop's thread is the point.
    void operator()() const noexcept;

    // Copying, moving and destroying never block, allocate or throw (an atomic reference
    // count); any thread. The last reference gone frees the link, never the sink.
    coro_resume(const coro_resume &other) noexcept;
    coro_resume(coro_resume &&other) noexcept;
    coro_resume &operator=(coro_resume other) noexcept;
    ~coro_resume();

private:
    // Only the library makes one: the link hands them out (loop_link::resumption()).
    friend struct coro_detail::loop_link;
    // Takes a reference on `link`. Never blocks, allocates or throws.
    explicit coro_resume(coro_detail::loop_link *link) noexcept;

    coro_detail::loop_link *link_;
};

// Receives a resumption and the delay after which to run it (zero or negative: as soon as
// possible). Measured on the sink's clock (options.clock), which is steady_clock unless you
// injected another one.
using coro_scheduler = std::function<void(coro_resume resume, std::chrono::nanoseconds delay)>;

}  // namespace sinks
}  // namespace spdlog
