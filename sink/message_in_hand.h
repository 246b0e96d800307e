// message_in_hand.h - the message the worker is writing: taken from the ring, delivered,
// counted, cleared. One deliver_next serves every writer: the batch writer, the synchronous
// fallback, the leftovers at close and the crash drain, so "a message leaves the queue
// exactly once, counted as processed or failed" is decided here.
//
// A message the wrapped sinks reject under wrapped_or_crash is *parked*: it stays in hand
// (still holding its unit of the bound, so still queued), and its next delivery is a retry
// that reaches only the sinks that failed. Its queue stamp is published for
// stats().oldest_message_age while it waits.
//
// Threads: the worker-role holder only (except retry_stamp(), any thread).

#pragma once

#include "ledger.h"
#include "message_ring.h"
#include "queued_message.h"
#include "wrapped_sinks.h"

#include <atomic>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

namespace spdlog {
namespace sinks {
namespace coro_detail {

// Where a message goes when the wrapped sinks do not all take it.
enum class delivery_policy {
    wrapped_or_park,      // the worker: park it, the caller crashes the worker
    wrapped_or_fallback,  // synchronous fallback and the crash drain: the fallback sink
    fallback_only,        // leftovers at close, a drain inside the sink: fallback sink only
};
// What became of it.
enum class delivered {
    nothing,  // no message: the ring is empty, or its head is still being copied in
    written,  // every wrapped sink took it (processed)
    routed,   // the fallback sink took it (processed)
    lost,     // nobody took it (failed)
    parked,   // kept in hand for a retry (wrapped_or_park only; still queued)
};

class message_in_hand {
public:
    // Registers its failure lists with `sinks` (kept reserved). Allocates.
    message_in_hand(message_ring &ring, ledger &counts, wrapped_sinks &sinks);
    // A spare hand for fallback_only delivery (a crash drain while this thread's own hand is
    // in use further up its stack): no failure lists, no lock, no allocation.
    struct spare_t {};
    message_in_hand(message_ring &ring, ledger &counts, wrapped_sinks &sinks, spare_t) noexcept
        : ring_(ring),
          counts_(counts),
          sinks_(sinks) {}

    // Takes the next message from the ring unless one is in hand, delivers it by `policy`
    // and, unless it is parked, counts it and clears the hand. The caller holds
    // wrapped_sinks::lock for the wrapped policies. Blocks: in the sinks. Allocates: never.
    // Throws: never.
    delivered deliver_next(delivery_policy policy) noexcept;
    // The same for a message that never entered the queue (synchronous fallback's own
    // message): wrapped sinks, else the fallback sink; counted as bypassed + done.
    delivered deliver_direct(const details::log_msg &msg) noexcept;

    bool holding() const noexcept { return holding_; }
    // The message in hand, for a crash drain that finds this thread inside the sink.
    const queued_message &message() const noexcept { return message_; }
    // Queue stamp of a parked message (none when no message is parked). Any thread.
    std::optional<std::int64_t> retry_stamp() const noexcept {
        const std::int64_t stamp = retry_stamp_.load(std::memory_order_relaxed);
        if (stamp == no_stamp) return std::nullopt;
        return stamp;
    }

private:
    static constexpr std::int64_t no_stamp = std::numeric_limits<std::int64_t>::min();
    void count(delivered outcome, bool from_queue) noexcept;

    message_ring &ring_;
    ledger &counts_;
    wrapped_sinks &sinks_;
    queued_message message_;
    std::int64_t stamp_ = 0;
    bool holding_ = false;
    bool retry_ = false;  // parked before: only pending_ get it
    std::vector<sink_ptr> pending_;
    std::vector<sink_ptr> direct_pending_;
    std::atomic<std::int64_t> retry_stamp_{no_stamp};
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
