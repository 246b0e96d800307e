// message_ring.h - the bounded circular buffer between producers and the worker.
//
// A multi-producer multi-consumer ring of preallocated slots (Dmitry Vyukov's bounded queue
// design: every slot carries a sequence number that says whose turn it is), with an exact
// capacity that need not be a power of two. Producers claim positions with one CAS on
// `tail_`; whoever pops (the worker, or a producer evicting the oldest message under
// drop_oldest) claims with one CAS on `head_`. No locks, no allocation after construction.
//
// The ring does not decide whether there is room: the core reserves a place in its own
// counter before pushing, so push() is only called when a slot is free or about to be
// (a popper between its CAS and its release). That keeps the bound exact even though the
// worker holds one popped message outside the ring while it writes it.
//
// Positions are 64-bit tickets that only grow; ticket t lives in slot t % capacity.
// A ticket is also the message's place in the global order: the worker writes in ticket
// order, and flush() waits for every ticket below the tail it saw on entry.

#pragma once

#include "queued_message.h"

#if defined(_MSC_VER)
    #include <intrin.h>  // _mm_pause
#endif
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <thread>

namespace spdlog {
namespace sinks {
namespace coro_detail {

class message_ring {
public:
    // Steady-clock ticks (nanoseconds since the clock's epoch) of when a message was queued.
    using stamp_t = std::int64_t;

    // Allocates `capacity` slots (192 bytes each). Throws std::bad_alloc.
    explicit message_ring(std::size_t capacity)
        : capacity_(capacity),
          slots_(new slot[capacity]) {
        for (std::size_t i = 0; i < capacity_; ++i) {
            slots_[i].seq.store(i, std::memory_order_relaxed);
        }
    }

    message_ring(const message_ring &) = delete;
    message_ring &operator=(const message_ring &) = delete;

    std::size_t capacity() const noexcept { return capacity_; }

    // Claims the next ticket and copies the message in. The caller must hold a reservation
    // (see the file comment): push then never fails, it at most spins while a popper
    // finishes releasing the slot, which takes nanoseconds. Never allocates (the heap block,
    // if any, was allocated by the caller). Any thread. Returns the ticket.
    std::uint64_t push(const details::log_msg &msg,
                       std::unique_ptr<char[]> heap,
                       stamp_t stamp) noexcept {
        std::uint64_t pos = tail_.load(std::memory_order_relaxed);
        for (unsigned spins = 0;; ++spins) {
            slot &s = slots_[pos % capacity_];
            const std::uint64_t seq = s.seq.load(std::memory_order_acquire);
            const auto diff = static_cast<std::int64_t>(seq - pos);
            if (diff == 0) {
                // relaxed on success: the release store of seq below publishes the content.
                if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
                    s.message.assign(msg, std::move(heap));
                    // release: pairs with oldest_stamp()'s acquire read of the stamp.
                    s.stamp.store(stamp, std::memory_order_release);
                    s.seq.store(pos + 1, std::memory_order_release);
                    return pos;
                }
            } else if (diff < 0) {
                // The slot's previous message was popped but not yet released.
                backoff(spins);
                pos = tail_.load(std::memory_order_relaxed);
            } else {
                pos = tail_.load(std::memory_order_relaxed);
            }
        }
    }

    // Pops the oldest message into `out` (when out is non-null) or discards it. Returns its
    // ticket, or nothing when the ring is empty or its oldest ticket is claimed but not yet
    // written by its producer. Never blocks or allocates (discarding frees a heap block).
    // Any thread.
    std::optional<std::uint64_t> pop(queued_message *out, stamp_t *stamp = nullptr) noexcept {
        std::uint64_t pos = head_.load(std::memory_order_relaxed);
        for (;;) {
            slot &s = slots_[pos % capacity_];
            const std::uint64_t seq = s.seq.load(std::memory_order_acquire);
            const auto diff = static_cast<std::int64_t>(seq - (pos + 1));
            if (diff == 0) {
                if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
                    if (stamp != nullptr) *stamp = s.stamp.load(std::memory_order_relaxed);
                    if (out != nullptr) {
                        out->take(s.message);
                    } else {
                        s.message.clear();
                    }
                    // Hands the slot to the producer of ticket pos + capacity.
                    s.seq.store(pos + capacity_, std::memory_order_release);
                    return pos;
                }
            } else if (diff < 0) {
                return std::nullopt;
            } else {
                pos = head_.load(std::memory_order_relaxed);
            }
        }
    }

    // When the oldest message was queued, or nothing if the ring is empty (or its oldest
    // ticket is still being written). A seqlock-style read: the stamp is only trusted if
    // the slot's sequence number did not change around it, so this is safe against a
    // concurrent pop. Never blocks. Any thread.
    std::optional<stamp_t> oldest_stamp() const noexcept {
        const std::uint64_t pos = head_.load(std::memory_order_acquire);
        const slot &s = slots_[pos % capacity_];
        const std::uint64_t before = s.seq.load(std::memory_order_acquire);
        if (before != pos + 1) return std::nullopt;
        // acquire: the second read of seq cannot move above the read of the stamp.
        const stamp_t stamp = s.stamp.load(std::memory_order_acquire);
        if (s.seq.load(std::memory_order_relaxed) != before) return std::nullopt;
        return stamp;
    }

    // Tickets claimed so far (every message ever pushed). Any thread.
    std::uint64_t tail() const noexcept { return tail_.load(std::memory_order_acquire); }
    // Tickets popped so far. Any thread.
    std::uint64_t head() const noexcept { return head_.load(std::memory_order_acquire); }

    // Spin, then yield: used while another thread finishes a step that takes nanoseconds
    // unless it was preempted.
    static void backoff(unsigned spins) noexcept {
        if (spins < 64) {
#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
            _mm_pause();
#elif defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#elif defined(__aarch64__)
            __asm__ __volatile__("yield");
#endif
        } else {
            std::this_thread::yield();
        }
    }

private:
    // 8 + 8 + 176 = 192 bytes: three cache lines, so producers writing neighbouring slots
    // never share a line.
    struct alignas(64) slot {
        std::atomic<std::uint64_t> seq{0};
        std::atomic<stamp_t> stamp{0};
        queued_message message;
    };
    static_assert(sizeof(slot) == 192, "a slot is meant to be exactly three cache lines");

    const std::size_t capacity_;
    std::unique_ptr<slot[]> slots_;
    // Producers contend on tail_, poppers on head_: keep them on separate cache lines.
    alignas(64) std::atomic<std::uint64_t> tail_{0};
    alignas(64) std::atomic<std::uint64_t> head_{0};
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
