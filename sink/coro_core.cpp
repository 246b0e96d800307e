// coro_core.cpp - construction, close, submission, poll and the stats snapshot.

#include "coro_core.h"

#include "crash_registry.h"
#include "text.h"

#include <spdlog/common.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

namespace spdlog {
namespace sinks {
namespace coro_detail {

namespace {
coro_sink_options validated(coro_sink_options options) {
    options.validate();
    return options;
}
}  // namespace

coro_core::coro_core(std::vector<sink_ptr> sinks, coro_sink_options options, bool thread_safe)
    : options_(validated(std::move(options))),
      interval_ticks_(nanoseconds_saturated(options_.flush_interval)),
      block_timeout_ticks_(nanoseconds_saturated(options_.block_timeout)),
      reports_(options_.error_handler, options_.clock, role_),
      counts_(options_.max_queue_size),
      ring_(options_.max_queue_size),
      sinks_(std::move(sinks),
             options_.fallback_sink,
             thread_safe || options_.driver == coro_driver::thread,
             counts_,
             reports_),
      hand_(ring_, counts_, sinks_),
      health_(options_, counts_, reports_),
      monitor_(
          options_, counts_, reports_, [this] { return now(); }, [this] { return stats(); }),
      driver_(make_driver(*this)) {
    driver_->start();
    // Last: the crash drain may use the core as soon as it is registered.
    crash_slot_ = crash_registry::add(this);
    if (crash_slot_ < 0) {
        reports_.report([] {
            return concat("coro_sink: not covered by the crash drain: all ",
                          crash_registry::capacity, " slots are taken by live sinks");
        });
    }
}

coro_core::~coro_core() {
    crash_registry::remove(crash_slot_);  // first: waits if the crash drain is using the core
    driver_.reset();
    task_.reset();
}

bool coro_core::close() noexcept {
    // Write what is queued and flush, bounded by flush_timeout. What is left after that
    // (the time ran out, or another thread is still inside the sink) goes to the fallback
    // sink or is reported: never silently lost.
    driver_->before_close();
    const bool flushed = flush_for(options_.flush_timeout);
    if (!driver_->stop(flushed)) return false;
    if (role_.try_acquire()) {
        role_scope role(*this);
        abandon_leftovers();
    } else if (counts_.queued() != 0) {
        reports_.report([&] {
            return concat("coro_sink destroyed while another thread was running its worker: ",
                          counts_.queued(), " queued messages were not written");
        });
    }
    return true;
}

void coro_core::log(const details::log_msg &msg) noexcept {
    if (health_.state() == coro_worker_state::fallback && driver_->writes_fallback_inline() &&
        log_synchronously(msg)) {
        return;
    }
    enqueue(msg);
}

void coro_core::enqueue(const details::log_msg &msg) noexcept {
    const time_point stamp = now();
    std::unique_ptr<char[]> heap;
    if (!queued_message::representable(msg) || queued_message::needs_heap(msg)) {
        try {
            if (!queued_message::representable(msg))
                throw std::length_error("logger name over 4 GiB");
            heap = queued_message::allocate_for(msg);
        } catch (const std::exception &e) {
            counts_.refuse(refusal::copy_failure);
            reports_.report([&] {
                return concat("coro_sink: could not copy a message of ", msg.payload.size(),
                              " bytes: ", e.what());
            });
            return;
        }
    }
    std::size_t depth = 0;
    if (!make_room(stamp, depth)) return;
    ring_.push(msg, std::move(heap), ticks(stamp));
    driver_->queued(depth, stamp);
}

bool coro_core::log_synchronously(const details::log_msg &msg) noexcept {
    // Re-entrant (a wrapped sink logging into this sink), or another thread holds the
    // worker for longer than a flush may take: the caller queues the message instead.
    if (!role_.acquire_until(after(now(), options_.flush_timeout), [this] { return now(); })) {
        return false;
    }
    role_scope role(*this);
    // Another thread may have recovered while we waited for the role: then queue.
    if (health_.state(std::memory_order_relaxed) != coro_worker_state::fallback) return false;
    // Drain the queue first, in order, so the synchronous write does not overtake it. A
    // ticket below `target` whose producer is still copying its message in is waited for
    // (nanoseconds, unless that producer was preempted): skipping it would reorder.
    const std::uint64_t target = ring_.tail();
    unsigned spins = 0;
    while (hand_.holding() || ring_.head() < target) {
        const std::uint64_t before = ring_.head();
        try {
            write_batch(true);
        } catch (...) {
            // write_batch(true) routes failures instead of throwing; nothing to do.
        }
        if (!hand_.holding() && ring_.head() == before) message_ring::backoff(spins++);
    }
    delivered outcome = delivered::nothing;
    {
        sink_reports::deferral deferred(reports_);
        wrapped_sinks::lock lock(sinks_);
        outcome = hand_.deliver_direct(msg);
    }
    if (outcome == delivered::written) health_.leave_fallback();
    return true;
}

std::size_t coro_core::step_if_free(time_point t) noexcept {
    if (!role_.try_acquire()) return 0;
    role_scope role(*this);
    return step(t);
}

std::size_t coro_core::poll() noexcept { return step_if_free(now()); }

coro_sink_stats coro_core::stats() const noexcept {
    coro_sink_stats s;
    counts_.snapshot(ring_, s);
    s.worker_state = health_.state(std::memory_order_relaxed);
    s.fallback_active = s.worker_state == coro_worker_state::fallback;
    std::optional<std::int64_t> oldest = hand_.retry_stamp();
    if (const auto in_ring = ring_.oldest_stamp(); in_ring && (!oldest || *in_ring < *oldest)) {
        oldest = in_ring;
    }
    if (oldest && s.queue_size != 0) {
        s.oldest_message_age =
            std::chrono::nanoseconds(std::max<std::int64_t>(0, ticks(now()) - *oldest));
    }
    return s;
}

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
