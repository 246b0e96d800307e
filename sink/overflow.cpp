// overflow.cpp - the overflow rule: what a producer does when the bound is reached.
//
//   drop_newest  the new message is refused (queue_overflows)
//   drop_oldest  the oldest queued message is evicted and the new one takes its unit of the
//                bound; when nothing is evictable (the only queued messages are in the
//                worker's hands or still being copied in), the new one is refused
//   block        the producer makes progress through its driver (runs a step, or wakes the
//                worker) and waits, up to block_timeout (then block_timeouts); a wrapped
//                sink logging into its own full sink is refused: the room could only come
//                from the worker its own thread is running
// Every refusal is counted in the ledger by reason and offered to on_event.

#include "coro_core.h"

namespace spdlog {
namespace sinks {
namespace coro_detail {

void coro_core::refuse(refusal why) noexcept {
    counts_.refuse(why);
    monitor_.dropped();
}

bool coro_core::make_room(time_point stamp, std::size_t &depth) noexcept {
    unsigned spins = 0;
    for (;;) {
        if (counts_.reserve(depth)) return true;
        switch (options_.overflow) {
            case overflow_strategy::drop_newest:
                refuse(refusal::rejected);
                return false;
            case overflow_strategy::drop_oldest:
                if (ring_.pop(nullptr)) {
                    counts_.evicted();
                    monitor_.dropped();
                    depth = options_.max_queue_size;
                    return true;
                }
                // Nothing evictable. A message being copied in takes nanoseconds: wait a
                // little for it, then give up on our own message.
                if (spins > 256) {
                    refuse(refusal::rejected);
                    return false;
                }
                message_ring::backoff(spins++);
                continue;
            case overflow_strategy::block:
                break;
        }
        if (role_.held_by_this_thread()) {
            refuse(refusal::rejected);
            return false;
        }
        if (driver_->make_room()) continue;
        if (block_timeout_ticks_ > 0 && ticks(now()) - ticks(stamp) >= block_timeout_ticks_) {
            refuse(refusal::block_timeout);
            return false;
        }
        worker_role::wait_a_little(spins);
    }
}

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
