// ledger.h - the bound and every counter: where the counting identity lives.
//
//     submitted == processed + dropped + failed + queued    (whenever no call is in flight)
//
// submitted = ring tail (every message that entered the ring) + bypassed (submitted, never
// entered it: dropped at the door, a copy that failed, a synchronous direct write).
// queued is the bound: every queued message holds one unit of it from its reservation until
// it is written or given up (the message in the worker's hands too), so max_queue_size is
// exact. A message leaves the bound together with processed/failed in one seqlock write
// (count_done), so snapshot() never sees it in both places or in neither, even while the
// worker thread is mid-batch. Accounting once per batch was measured and rejected: with a
// concurrent worker the queue looked full while the ring was physically empty, and the drop
// strategies dropped messages they need not have.
//
// Writers: producers touch queued (reserve), high_water and the drop counters; only the
// worker-role holder calls count_done and the worker-side counters. Readers: any thread.

#pragma once

#include "message_ring.h"

#include <spdlog/sinks/coro_sink_events.h>
#include <spdlog/sinks/coro_sink_stats.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace spdlog {
namespace sinks {
namespace coro_detail {

// Why a submitted message never entered the queue.
enum class refusal {
    rejected,       // drop_newest, nothing evictable under drop_oldest, re-entrant block
    block_timeout,  // block waited block_timeout for room
    copy_failure,   // its copy could not be made (counted as failed, not dropped)
};

// Worker-side events that are only counted (each is also an on_event kind or a stats field).
enum class tally {
    backend_error,
    restart,
    flush_timeout,
    fallback_write,
    fallback_activation,
    recovery
};

class ledger {
public:
    explicit ledger(std::size_t capacity) noexcept
        : capacity_(capacity) {}

    std::size_t capacity() const noexcept { return capacity_; }

    // Takes one unit of the bound if there is room; `depth` receives the queue depth with
    // it. Lock-free (a CAS loop). Any thread.
    bool reserve(std::size_t &depth) noexcept;
    // A message that was never queued: counts it as submitted and refused for `why`.
    void refuse(refusal why) noexcept;
    // drop_oldest evicted a queued message; the new one takes its unit of the bound.
    void evicted() noexcept { evicted_.fetch_add(1, std::memory_order_relaxed); }
    // A message written synchronously, not through the queue (count_done(..., false) follows).
    void bypassed() noexcept { bypassed_.fetch_add(1, std::memory_order_relaxed); }
    // A message left the queue: written (processed) or given up (failed). Role holder only.
    // from_queue: the message held a unit of the bound (false for a synchronous direct write).
    void count_done(std::uint64_t processed, std::uint64_t failed, bool from_queue) noexcept;
    void count(tally what) noexcept {
        tallies_[index(what)].fetch_add(1, std::memory_order_relaxed);
    }

    std::size_t queued(std::memory_order order = std::memory_order_acquire) const noexcept {
        return queued_.load(order);
    }
    // The counter an on_event kind follows (its stats field). Any thread.
    std::uint64_t total(coro_event_kind kind) const noexcept;
    // Every counter of `s` (not the worker state or the oldest age), the counting fields
    // from one seqlock-consistent read. Spins while the worker is between its two stores.
    void snapshot(const message_ring &ring, coro_sink_stats &s) const noexcept;

private:
    static constexpr std::size_t index(tally t) noexcept { return static_cast<std::size_t>(t); }
    std::uint64_t tallied(tally t) const noexcept {
        return tallies_[index(t)].load(std::memory_order_relaxed);
    }
    void note_high_water(std::size_t depth) noexcept;

    const std::size_t capacity_;
    alignas(64) std::atomic<std::size_t> queued_{0};
    alignas(64) std::atomic<std::size_t> high_water_{0};
    // Producer side, touched only on drops and other rare paths.
    alignas(64) std::atomic<std::uint64_t> bypassed_{0};
    std::atomic<std::uint64_t> evicted_{0};
    std::atomic<std::uint64_t> rejected_{0};
    std::atomic<std::uint64_t> block_timeouts_{0};
    std::atomic<std::uint64_t> copy_failures_{0};
    // Written by the role holder only, inside counts_seq_ (see count_done).
    alignas(64) std::atomic<std::uint64_t> counts_seq_{0};
    std::atomic<std::uint64_t> processed_{0};
    std::atomic<std::uint64_t> failed_{0};
    std::atomic<std::uint64_t> tallies_[6]{};  // by tally
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
