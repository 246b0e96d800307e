// flush_tickets.h - the flush protocol's state: what was asked for, what is done, who waits.
//
// A flush asks for every message below the ring's tail at the call: its ticket is tail + 1
// (plus one, so that an empty queue still asks for the wrapped sinks' flush). requested_
// keeps the highest ask; the worker-role holder drains up to (requested - 1), flushes the
// wrapped sinks and publishes completed_ = requested. A flush is never starved by later
// messages: its ticket is fixed at the call. Threads that cannot run the worker themselves
// (the thread driver's callers) sleep on the condition variable until their ticket is done.
//
// Memory order: request() is a seq_cst CAS so that a parked worker thread's seq_cst re-read
// of requested() cannot miss it (thread_driver.cpp); completed_ is published with release and
// read with acquire, so a waiter that sees its ticket done sees what the worker wrote.

#pragma once

#include "time_math.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace spdlog {
namespace sinks {
namespace coro_detail {

class flush_tickets {
public:
    // Asks for a flush of every message below `tail`; returns the ticket to wait for.
    // Blocks / Allocates / Throws: never. Threads: any.
    std::uint64_t request(std::uint64_t tail) noexcept {
        const std::uint64_t ticket = tail + 1;
        std::uint64_t asked = requested_.load(std::memory_order_relaxed);
        while (asked < ticket &&
               !requested_.compare_exchange_weak(asked, ticket, std::memory_order_seq_cst)) {
        }
        return ticket;
    }
    bool done(std::uint64_t ticket) const noexcept {
        return completed_.load(std::memory_order_acquire) >= ticket;
    }
    std::uint64_t requested(std::memory_order order = std::memory_order_acquire) const noexcept {
        return requested_.load(order);
    }
    std::uint64_t completed() const noexcept { return completed_.load(std::memory_order_acquire); }
    // A flush is asked for and not done yet.
    bool pending(std::memory_order order = std::memory_order_acquire) const noexcept {
        return requested_.load(order) > completed_.load(std::memory_order_acquire);
    }

    // The role holder drained and flushed everything below `request`: publish it and wake
    // the waiters. Blocks: on the waiters' mutex, briefly. Role holder only.
    void complete(std::uint64_t request) noexcept {
        std::uint64_t done = completed_.load(std::memory_order_relaxed);
        while (done < request &&
               !completed_.compare_exchange_weak(done, request, std::memory_order_release)) {
        }
        std::lock_guard<std::mutex> lock(mutex_);
        cv_.notify_all();
    }

    // Waits until `ticket` is done or `now()` (the injected clock) passes `deadline`.
    // Returns done(ticket). With an injected clock the wait is cut into 1 ms slices so a
    // moved clock is noticed; with the real one, 50 ms slices only pace the re-checks
    // (completion itself is signalled). Blocks: up to the deadline. Throws: never. Threads:
    // any thread that is not the one completing the ticket.
    template <typename Now>
    bool wait(std::uint64_t ticket, time_point deadline, Now &&now, bool injected_clock) noexcept {
        std::unique_lock<std::mutex> lock(mutex_);
        bool ok = false;
        while (!(ok = done(ticket)) && now() <= deadline) {
            cv_.wait_for(lock, std::chrono::milliseconds(injected_clock ? 1 : 50));
        }
        return ok;
    }

private:
    alignas(64) std::atomic<std::uint64_t> requested_{0};
    std::atomic<std::uint64_t> completed_{0};
    std::mutex mutex_;
    std::condition_variable cv_;
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
