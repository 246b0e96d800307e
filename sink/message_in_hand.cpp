// message_in_hand.cpp - pop, deliver, count, clear (see the header).

#include "message_in_hand.h"

namespace spdlog {
namespace sinks {
namespace coro_detail {

message_in_hand::message_in_hand(message_ring &ring, ledger &counts, wrapped_sinks &sinks)
    : ring_(ring),
      counts_(counts),
      sinks_(sinks) {
    sinks_.track(pending_);
    sinks_.track(direct_pending_);
}

void message_in_hand::count(delivered outcome, bool from_queue) noexcept {
    const bool processed = outcome != delivered::lost;
    counts_.count_done(processed ? 1 : 0, processed ? 0 : 1, from_queue);
}

delivered message_in_hand::deliver_next(delivery_policy policy) noexcept {
    if (!holding_) {
        if (!ring_.pop(&message_, &stamp_)) return delivered::nothing;
        holding_ = true;
        retry_ = false;
        pending_.clear();
    }
    const details::log_msg msg = message_.view();
    delivered outcome = delivered::lost;
    if (policy != delivery_policy::fallback_only && sinks_.deliver(msg, retry_, pending_)) {
        outcome = delivered::written;
    } else if (policy == delivery_policy::wrapped_or_park) {
        // Keep it (in hand, still counted as queued); the caller lets the worker die.
        retry_ = true;
        retry_stamp_.store(stamp_, std::memory_order_relaxed);
        return delivered::parked;
    } else if (sinks_.offer_fallback(msg)) {
        outcome = delivered::routed;
    }
    if (retry_) retry_stamp_.store(no_stamp, std::memory_order_relaxed);
    message_.clear();
    holding_ = false;
    count(outcome, true);
    return outcome;
}

delivered message_in_hand::deliver_direct(const details::log_msg &msg) noexcept {
    counts_.bypassed();
    direct_pending_.clear();
    delivered outcome = delivered::lost;
    if (sinks_.deliver(msg, false, direct_pending_)) {
        outcome = delivered::written;
    } else if (sinks_.offer_fallback(msg)) {
        outcome = delivered::routed;
    }
    count(outcome, false);
    return outcome;
}

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
