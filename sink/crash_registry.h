// crash_registry.h - the live cores the crash drain can reach, read without locks.
//
// A fixed array of slots, each holding a pointer to a live coro_core (or null) and a "pin"
// the drain sets while it uses the slot's core. A core takes a free slot at the end of its
// constructor and gives it back at the start of its destructor; the drain walks the slots.
// No allocation, no lock: a signal handler may read it.
//
// Lifetime handshake (Dekker style, per slot, all four operations seq_cst so they sit in
// one total order):
//   drain:      pinned = true;  core = slot.core;  ...use core...;  pinned = false
//   destructor: slot.core = null;  wait while pinned
// Either the drain's read of slot.core comes after the destructor's store (it reads null
// and skips the core), or the destructor's read of `pinned` comes after the drain's store
// (it waits until the drain is done with the core). The core is never freed under the drain.
// Only one thread drains at a time (crash_drain.cpp), so a pin is a plain flag.

#pragma once

#include <spdlog/sinks/coro_crash_drain.h>

#include <cstddef>
#include <cstdint>

namespace spdlog {
namespace sinks {
namespace coro_detail {

class coro_core;

namespace crash_registry {

constexpr std::size_t capacity = coro_crash_drain_max_sinks;

// Takes a free slot for `core`; returns its index, or -1 when all are taken (counted in
// uncovered()). Never blocks or allocates. Any thread.
int add(coro_core *core) noexcept;

// Frees slot `slot` (-1: nothing to do). Waits while the drain uses the slot's core: bounded
// by the drain's deadline. Never allocates. Any thread.
void remove(int slot) noexcept;

// The drain's side: marks slot `i` in use and returns its core (null when free). unpin(i)
// must follow. Never blocks or allocates. Async-signal-safe. One draining thread at a time.
coro_core *pin(std::size_t i) noexcept;
void unpin(std::size_t i) noexcept;

// Cores that found no free slot since the process started.
std::uint64_t uncovered() noexcept;

}  // namespace crash_registry
}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
