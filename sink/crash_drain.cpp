// crash_drain.cpp - draining every live sink: coro_crash_drain_now(), the shared drain, and
// coro_core::crash_drain, the part that touches one core.
//
// The drain writes without the worker coroutine: it takes the worker role like any step
// would (so it never runs next to a batch being written), then pops and delivers messages
// itself, with the synchronous-fallback policy (a message a wrapped sink rejects goes to the
// fallback sink). Its deadlines are real time on purpose: an injected clock may never move
// again in a dying process.

#include "crash_drain.h"

#include "coro_core.h"
#include "crash_registry.h"

#include "text.h"
#include "time_math.h"

#include <spdlog/sinks/coro_crash_drain.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace spdlog {
namespace sinks {
namespace coro_detail {

namespace {

using real_clock = std::chrono::steady_clock;

// Its address identifies the calling thread without a system call. The library's TLS is
// static (allocated at thread start), so a signal handler may take the address.
thread_local char thread_identity;

// The thread that drains now (or drained for a crash and is letting the process die).
std::atomic<const void *> drainer{nullptr};

}  // namespace

drain_claim claim_drain(real_clock::time_point give_up) noexcept {
    const void *me = &thread_identity;
    for (;;) {
        const void *owner = nullptr;
        // acquire: a drain that follows another sees everything the first one wrote.
        if (drainer.compare_exchange_strong(owner, me, std::memory_order_acquire,
                                            std::memory_order_relaxed)) {
            return drain_claim::claimed;
        }
        if (owner == me) return drain_claim::recursive;
        if (real_clock::now() >= give_up) return drain_claim::timed_out;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

void release_drain() noexcept { drainer.store(nullptr, std::memory_order_release); }

std::size_t drain_all(real_clock::time_point start,
                      std::chrono::milliseconds deadline,
                      bool dying) noexcept {
    deadline = capped_wait(deadline);  // user input: keep now + deadline from overflowing
    // The last quarter is kept for flushing: a written message still in a stdio buffer is
    // lost as surely as a queued one.
    const real_clock::time_point write_until = start + (deadline - deadline / 4);
    std::size_t written = 0;
    for (std::size_t i = 0; i < crash_registry::capacity; ++i) {
        if (coro_core *core = crash_registry::pin(i))
            written += core->crash_drain(write_until, dying);
        crash_registry::unpin(i);
    }
    return written;
}

std::size_t coro_core::crash_drain(time_point write_until, bool dying) noexcept {
    std::size_t written = 0;
    // Everything queued when the drain starts is waited for (a producer may be in the
    // middle of copying its message in); later messages are written if present.
    const auto drain = [&](message_in_hand &hand, delivery_policy policy) {
        const std::uint64_t target = ring_.tail();
        unsigned spins = 0;
        while (real_clock::now() < write_until) {
            const delivered outcome = hand.deliver_next(policy);
            if (outcome == delivered::nothing) {
                if (ring_.head() >= target) return true;
                message_ring::backoff(spins++);  // a producer is still copying it in
                continue;
            }
            if (outcome != delivered::lost) ++written;
        }
        return false;
    };
    if (role_.held_by_this_thread()) {
        // This thread is inside this sink's worker: in a wrapped sink (the crash happened
        // there), a flush, or the error handler. The wrapped sinks' lock may be held further
        // up this stack, and the hand is in use there: only the fallback sink and the ring
        // are safe to touch.
        if (!sinks_.has_fallback()) return 0;
        if (dying && hand_.holding()) {
            // The message the crashed sink was given (or a parked one). The process will not
            // return to it, so it is not counted: the stack above would.
            const details::log_msg msg = hand_.message().view();
            if (sinks_.fallback_quietly(&msg)) ++written;
        }
        message_in_hand spare(ring_, counts_, sinks_, message_in_hand::spare_t{});
        drain(spare, delivery_policy::fallback_only);
        sinks_.fallback_quietly(nullptr);
        return written;
    }
    // Another thread may be writing a batch (the worker thread, a producer running a
    // cooperative step): wait for it, on real time. try_acquire, not acquire_until: that
    // one reads the injected clock.
    unsigned spins = 0;
    while (!role_.try_acquire()) {
        if (real_clock::now() >= write_until) {
            reports_.report([&] {
                return concat(
                    "coro_sink crash drain: another thread kept the worker until the "
                    "deadline; ",
                    counts_.queued(std::memory_order_relaxed), " queued messages not written");
            });
            return 0;
        }
        worker_role::wait_a_little(spins);
    }
    role_scope role(*this, /*quiet=*/true);
    bool in_time = false;
    {
        sink_reports::deferral deferred(reports_);
        wrapped_sinks::lock lock(sinks_);
        // A parked message (a wrapped sink failed it before) goes only to the sinks that
        // failed: each wrapped sink still gets each message at most once.
        in_time = drain(hand_, delivery_policy::wrapped_or_fallback);
    }
    // Always, even past the write deadline: what the worker wrote earlier may still sit in
    // a wrapped sink's buffer.
    try {
        flush_wrapped(true);  // synchronous: reports failures, never throws
    } catch (...) {
    }
    if (!in_time) {
        reports_.report([&] {
            return concat("coro_sink crash drain: out of time with ",
                          counts_.queued(std::memory_order_relaxed), " message(s) still queued");
        });
    }
    return written;
}

}  // namespace coro_detail

std::size_t coro_crash_drain_now(std::chrono::milliseconds deadline) noexcept {
    using namespace coro_detail;
    if (deadline.count() <= 0) return 0;
    deadline = capped_wait(deadline);  // user input: keep now + deadline from overflowing
    const auto start = real_clock::now();
    if (claim_drain(start + deadline) != drain_claim::claimed) return 0;
    const std::size_t written = drain_all(start, deadline, false);
    release_drain();
    return written;
}

}  // namespace sinks
}  // namespace spdlog
