// worker_role.h - who may run the worker: a try-lock flag, and the roles each thread holds.
//
// At most one thread holds a core's worker role at a time; log() and poll() never wait for
// it (they skip the step when another thread has it). Each thread also keeps the list of
// roles it holds, innermost first, because a wrapped sink may log into (or flush) the very
// sink that is calling it, or into another coro_sink whose worker is further up the stack:
// such a call must not wait for a role its own thread already holds. The list lives on the
// stack of the holder objects; no allocation.
//
// Everything the worker owns (the coroutine, the message in hand, the supervisor's restart
// policy) is touched only by the role holder: acquire on taking the role, release on giving
// it up, order those touches between holders.

#pragma once

#include "time_math.h"

#include <atomic>

namespace spdlog {
namespace sinks {
namespace coro_detail {

class worker_role;

struct held_role {
    const worker_role *role;
    held_role *outer;
};
// Innermost first; null when this thread holds no role.
extern thread_local held_role *tls_held_roles;

class worker_role {
public:
    // Takes the role if it is free and not held further up this thread's stack.
    // Blocks / Allocates / Throws: never. Threads: any.
    bool try_acquire() noexcept {
        // A plain load first, so contending producers do not bounce the line with failed RMWs.
        if (busy_.load(std::memory_order_relaxed)) return false;
        if (held_by_this_thread()) return false;
        return !busy_.exchange(true, std::memory_order_acquire);
    }
    // Waits for the role until now() passes `deadline` (the injected clock); false on
    // timeout or when this thread already holds it. Blocks: spins, yields, then sleeps 50 µs
    // at a time. Throws: never. Threads: any.
    template <typename Now>
    bool acquire_until(time_point deadline, Now &&now) noexcept {
        if (held_by_this_thread()) return false;
        unsigned spins = 0;
        while (!try_acquire()) {
            if (now() > deadline) return false;
            wait_a_little(spins);
        }
        return true;
    }
    void release() noexcept { busy_.store(false, std::memory_order_release); }

    // True when this thread holds the role (possibly further up its stack).
    bool held_by_this_thread() const noexcept {
        for (const held_role *r = tls_held_roles; r != nullptr; r = r->outer) {
            if (r->role == this) return true;
        }
        return false;
    }
    // True when this thread holds any sink's role: it is inside some sink's worker (a
    // wrapped sink, a flush, the error handler), where user callbacks must not run.
    static bool any_held_by_this_thread() noexcept { return tls_held_roles != nullptr; }

    // Pacing for waits on another thread's worker step or a restart backoff: spin and yield
    // first (a step usually ends within microseconds), then sleep briefly so a long wait
    // does not burn a core. Decisions are the caller's, on the injected clock.
    static void wait_a_little(unsigned &spins) noexcept;

    // Registers an already acquired role in tls_held_roles for a scope and releases it at
    // the end, or earlier with release(). The core's role_scope adds what runs after it.
    class holder {
    public:
        explicit holder(worker_role &role) noexcept
            : role_(role),
              node_{&role, tls_held_roles} {
            tls_held_roles = &node_;
        }
        ~holder() { release(); }
        void release() noexcept {
            if (released_) return;
            released_ = true;
            tls_held_roles = node_.outer;
            role_.release();
        }
        holder(const holder &) = delete;
        holder &operator=(const holder &) = delete;

    private:
        worker_role &role_;
        held_role node_;
        bool released_ = false;
    };

private:
    alignas(64) std::atomic<bool> busy_{false};
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
