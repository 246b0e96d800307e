// crash_registry.cpp - the slots of the crash registry (see crash_registry.h).

#include "crash_registry.h"

#include <atomic>
#include <chrono>
#include <thread>

namespace spdlog {
namespace sinks {
namespace coro_detail {
namespace crash_registry {

namespace {

struct slot {
    std::atomic<coro_core *> core{nullptr};
    std::atomic<bool> pinned{false};
};
// Lock-free atomics of static storage duration: constant-initialized, so usable from a
// signal handler at any point of the process's life, static destruction included.
static_assert(std::atomic<coro_core *>::is_always_lock_free);
static_assert(std::atomic<bool>::is_always_lock_free);

slot slots[capacity];
std::atomic<std::uint64_t> uncovered_count{0};

}  // namespace

int add(coro_core *core) noexcept {
    for (std::size_t i = 0; i < capacity; ++i) {
        // A plain load first: most slots are taken or free for a long time.
        if (slots[i].core.load(std::memory_order_relaxed) != nullptr) continue;
        coro_core *expected = nullptr;
        // seq_cst: the drain's read of the slot must see a fully constructed core; the
        // constructor is complete when add() is called.
        if (slots[i].core.compare_exchange_strong(expected, core, std::memory_order_seq_cst)) {
            return static_cast<int>(i);
        }
    }
    uncovered_count.fetch_add(1, std::memory_order_relaxed);
    return -1;
}

void remove(int index) noexcept {
    if (index < 0) return;
    slot &s = slots[index];
    s.core.store(nullptr, std::memory_order_seq_cst);
    // See the handshake in crash_registry.h. The drain holds a pin for at most its deadline
    // (or until the process dies), so this wait is bounded too.
    while (s.pinned.load(std::memory_order_seq_cst)) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
}

coro_core *pin(std::size_t i) noexcept {
    slots[i].pinned.store(true, std::memory_order_seq_cst);
    return slots[i].core.load(std::memory_order_seq_cst);
}

void unpin(std::size_t i) noexcept {
    // seq_cst like the rest of the handshake; release is what matters: everything the
    // drain did with the core happens before the destructor that waited for this store.
    slots[i].pinned.store(false, std::memory_order_seq_cst);
}

std::uint64_t uncovered() noexcept { return uncovered_count.load(std::memory_order_relaxed); }

}  // namespace crash_registry
}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
