// crash_drain.h - the drain shared by coro_crash_drain_now() and the installed crash handlers.
//
// One thread drains at a time. A drain claims the right to drain, walks the crash registry
// and drains each live core (coro_core::crash_drain), with deadlines in real time.

#pragma once

#include <chrono>
#include <cstddef>

namespace spdlog {
namespace sinks {
namespace coro_detail {

enum class drain_claim {
    claimed,    // this thread drains now
    recursive,  // this thread is already draining, or drained for a crash: do not start again
    timed_out,  // another thread drains and did not finish in time
};

// Claims the drain, waiting for another thread's drain until `give_up`. Never allocates.
drain_claim claim_drain(std::chrono::steady_clock::time_point give_up) noexcept;

// Gives the claim back (coro_crash_drain_now). A drain made for a crash never does: the
// process is dying, and a second crashing thread is to wait for that, not drain again.
void release_drain() noexcept;

// Drains every registered core. `start` + `deadline` bounds the whole drain; messages are
// written until three quarters of it, the rest is left for flushing. `dying`: for a crash
// (the message a crashed wrapped sink was given is then sent to the fallback sink too).
// Returns the messages written. Requires the claim. Never throws.
std::size_t drain_all(std::chrono::steady_clock::time_point start,
                      std::chrono::milliseconds deadline,
                      bool dying) noexcept;

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
