// thread_driver.h - coro_driver::thread: a thread owned by the sink resumes the worker.
// The rules (when it polls, parks and is woken) and the lost-wake-up proof are in
// thread_driver.cpp.

#pragma once

#include "coro_core.h"
#include "driver.h"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>

namespace spdlog {
namespace sinks {
namespace coro_detail {

class thread_driver : public driver {
public:
    explicit thread_driver(coro_core &core) noexcept;
    ~thread_driver() override;

    void start() override;
    // Rare edges only: the first message after a long idle period, and pressure.
    void queued(std::size_t depth, time_point) noexcept override {
        if (depth == wake_mark_ ||
            (depth == 1 && parked_forever_.load(std::memory_order_seq_cst))) {
            wake();
        }
    }
    bool make_room() noexcept override {
        wake();
        return false;
    }
    bool serve_flush(std::uint64_t ticket, time_point deadline, bool &ok) noexcept override;
    bool stop(bool flushed) noexcept override;

private:
    void thread_main() noexcept;
    // Runs steps while something is due. `wake_at` receives when the next timed work is due
    // (max if none); `busy` is set when something is due but could not progress (a head
    // being copied in, the role taken); `idle` when nothing at all is pending: only then may
    // the thread park without a timeout.
    void run_due_steps(time_point &wake_at, bool &busy, bool &idle) noexcept;
    void park(time_point wake_at, bool busy, bool idle) noexcept;
    // Wakes the parked thread. Cheap when it is not parked: one seq_cst load.
    void wake() noexcept;
    bool stop_thread(std::chrono::milliseconds grace) noexcept;

    coro_core &core_;
    // The queue depth at which a producer wakes a parked worker (pressure).
    const std::size_t wake_mark_;
    std::thread thread_;
    std::mutex park_mutex_;
    std::condition_variable park_cv_;
    bool wake_pending_ = false;  // guarded by park_mutex_
    alignas(64) std::atomic<bool> sleeping_{false};
    std::atomic<bool> parked_forever_{false};  // parked with no timeout: wake on depth 1
    unsigned idle_slices_ = 0;                 // the thread only
    std::atomic<bool> stop_{false};
    // Exit handshake between stop() and the thread (guarded by park_mutex_).
    bool thread_exited_ = false;
    bool orphaned_ = false;
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
