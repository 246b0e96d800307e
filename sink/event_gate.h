// event_gate.h - rate limiting of coro_sink's monitoring callbacks, one gate per event kind.
//
// A gate remembers how many occurrences of its kind were already delivered (`reported_`)
// and when the next call may happen (`next_at_`, injected-clock ticks). claim() is called
// with the kind's counter, which the sink keeps anyway, so recording an occurrence costs
// nothing here: a gate only decides who delivers what, and when.
//
// Any thread may call claim(): a producer that just dropped a message and the worker that
// just restarted may race. The CAS on next_at_ picks one deliverer per interval; the CAS
// loop on reported_ makes the counts of successive deliveries add up to the counter, even
// when two deliveries (interval 0) overlap.

#pragma once

#include <atomic>
#include <cstdint>
#include <limits>

namespace spdlog {
namespace sinks {
namespace coro_detail {

class event_gate {
public:
    // How many occurrences the caller must now deliver in one call: 0 when nothing is new,
    // the interval has not passed yet, or another thread is delivering. Never blocks.
    std::uint64_t claim(std::uint64_t total, std::int64_t now, std::int64_t interval) noexcept {
        if (total <= reported_.load(std::memory_order_acquire)) return 0;
        std::int64_t next = next_at_.load(std::memory_order_relaxed);
        if (now < next) return 0;
        // Saturated: with a huge interval the next call is never allowed, not at once.
        const std::int64_t following = now > std::numeric_limits<std::int64_t>::max() - interval
                                           ? std::numeric_limits<std::int64_t>::max()
                                           : now + interval;
        if (!next_at_.compare_exchange_strong(next, following, std::memory_order_acq_rel)) {
            return 0;
        }
        std::uint64_t reported = reported_.load(std::memory_order_relaxed);
        while (reported < total &&
               !reported_.compare_exchange_weak(reported, total, std::memory_order_acq_rel)) {
        }
        return reported < total ? total - reported : 0;
    }

    // Occurrences not delivered yet, given the kind's counter.
    bool pending(std::uint64_t total) const noexcept {
        return total > reported_.load(std::memory_order_acquire);
    }

    // The earliest tick at which claim() may deliver again.
    std::int64_t next_at() const noexcept { return next_at_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> reported_{0};
    std::atomic<std::int64_t> next_at_{std::numeric_limits<std::int64_t>::min()};
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
