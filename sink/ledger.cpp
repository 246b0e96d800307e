// ledger.cpp - the bound, the counters and their consistent snapshot (see ledger.h).

#include "ledger.h"

namespace spdlog {
namespace sinks {
namespace coro_detail {

bool ledger::reserve(std::size_t &depth) noexcept {
    std::size_t n = queued_.load(std::memory_order_relaxed);
    while (n < capacity_) {
        // seq_cst: orders this reservation before a driver's read of its "asleep" flag (the
        // lost-wake-up proofs in thread_driver.cpp and event_loop_driver.cpp). On x86 every
        // CAS is a full barrier anyway: it costs nothing.
        if (queued_.compare_exchange_weak(n, n + 1, std::memory_order_seq_cst,
                                          std::memory_order_relaxed)) {
            depth = n + 1;
            note_high_water(depth);
            return true;
        }
    }
    return false;
}

void ledger::note_high_water(std::size_t depth) noexcept {
    // A plain load first: the line is only written when the mark rises, so in steady state
    // producers share it read-only.
    std::size_t mark = high_water_.load(std::memory_order_relaxed);
    while (depth > mark &&
           !high_water_.compare_exchange_weak(mark, depth, std::memory_order_relaxed)) {
    }
}

void ledger::refuse(refusal why) noexcept {
    switch (why) {
        case refusal::rejected:
            rejected_.fetch_add(1, std::memory_order_relaxed);
            break;
        case refusal::block_timeout:
            block_timeouts_.fetch_add(1, std::memory_order_relaxed);
            break;
        case refusal::copy_failure:
            copy_failures_.fetch_add(1, std::memory_order_relaxed);
            break;
    }
    bypassed_.fetch_add(1, std::memory_order_relaxed);
}

void ledger::count_done(std::uint64_t processed, std::uint64_t failed, bool from_queue) noexcept {
    // Seqlock write (the role holder is the only writer): odd while the counters move.
    // The release operations keep the odd store ahead of the counter updates; the final
    // release store publishes them.
    const std::uint64_t seq = counts_seq_.load(std::memory_order_relaxed);
    counts_seq_.store(seq + 1, std::memory_order_relaxed);
    if (processed != 0) {
        processed_.store(processed_.load(std::memory_order_relaxed) + processed,
                         std::memory_order_release);
    }
    if (failed != 0) {
        failed_.store(failed_.load(std::memory_order_relaxed) + failed, std::memory_order_release);
    }
    if (from_queue) queued_.fetch_sub(processed + failed, std::memory_order_release);
    counts_seq_.store(seq + 2, std::memory_order_release);
}

std::uint64_t ledger::total(coro_event_kind kind) const noexcept {
    const auto relaxed = std::memory_order_relaxed;
    switch (kind) {
        case coro_event_kind::overflow:
            return evicted_.load(relaxed) + rejected_.load(relaxed) + block_timeouts_.load(relaxed);
        case coro_event_kind::backend_error:
            return tallied(tally::backend_error);
        case coro_event_kind::restart:
            return tallied(tally::restart);
        case coro_event_kind::fallback:
            return tallied(tally::fallback_activation);
        case coro_event_kind::recovery:
            return tallied(tally::recovery);
        case coro_event_kind::flush_timeout:
            return tallied(tally::flush_timeout);
    }
    return 0;
}

void ledger::snapshot(const message_ring &ring, coro_sink_stats &s) const noexcept {
    const auto relaxed = std::memory_order_relaxed;
    const auto acquire = std::memory_order_acquire;
    // Seqlock read of what the worker moves together (see count_done): retried while the
    // worker is between its two stores.
    for (unsigned spins = 0;; message_ring::backoff(spins++)) {
        const std::uint64_t seq = counts_seq_.load(acquire);
        if ((seq & 1) != 0) continue;
        s.messages_processed = processed_.load(acquire);
        s.messages_failed = failed_.load(acquire) + copy_failures_.load(acquire);
        s.queue_size = queued_.load(acquire);
        s.messages_submitted = ring.tail() + bypassed_.load(acquire);
        if (counts_seq_.load(relaxed) == seq) break;
    }
    s.queue_overflows = evicted_.load(relaxed) + rejected_.load(relaxed);
    s.block_timeouts = block_timeouts_.load(relaxed);
    s.messages_dropped = s.queue_overflows + s.block_timeouts;
    s.worker_restarts = tallied(tally::restart);
    s.backend_errors = tallied(tally::backend_error);
    s.flush_timeouts = tallied(tally::flush_timeout);
    s.fallback_writes = tallied(tally::fallback_write);
    s.fallback_activations = tallied(tally::fallback_activation);
    s.fallback_recoveries = tallied(tally::recovery);
    s.queue_high_water = high_water_.load(relaxed);
    s.queue_capacity = capacity_;
}

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
