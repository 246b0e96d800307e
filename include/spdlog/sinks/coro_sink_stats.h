// coro_sink_stats.h - a snapshot of spdlog::sinks::coro_sink's counters and health.
//
// Counting identity, exact whenever no call into the sink is in flight:
//
//     messages_submitted == messages_processed + messages_dropped + messages_failed + queue_size
//     messages_dropped   == queue_overflows + block_timeouts
//
// Every counter only grows. The snapshot is read field by field without stopping the
// producers, so while calls are in flight the fields may come from slightly different
// instants; at a quiescent point they are exact.

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace spdlog {
namespace sinks {

// The worker's health, as seen by the supervisor.
enum class coro_worker_state {
    running,      // the worker coroutine is alive (or not started yet, which is the same)
    backing_off,  // it crashed; it is restarted once its backoff delay has passed
    fallback,     // too many consecutive failures: messages are written synchronously
};

// "running", "backing_off", "fallback"; "unknown" for a value outside the enum. The names
// used by to_string(const coro_sink_stats &) and the Prometheus export
// (coro_sink_stats_format.h). Never blocks, allocates or throws. Any thread.
const char *to_string(coro_worker_state state) noexcept;

struct coro_sink_stats {
    // Every call to log() that reached the sink (the logger's level filter runs before).
    std::uint64_t messages_submitted = 0;
    // Messages every wrapped sink accepted, plus those the fallback sink accepted.
    std::uint64_t messages_processed = 0;
    // Messages discarded by an overflow rule: queue_overflows + block_timeouts.
    std::uint64_t messages_dropped = 0;
    // Messages that could not be written anywhere (synchronous fallback without a usable
    // fallback_sink).
    std::uint64_t messages_failed = 0;
    // Messages dropped because the queue was full (drop_oldest evictions, drop_newest
    // rejections, and a full queue under block met by a wrapped sink logging back into
    // its own logger, which cannot wait for itself).
    std::uint64_t queue_overflows = 0;
    // Producers under overflow_strategy::block that waited block_timeout and gave up.
    std::uint64_t block_timeouts = 0;
    // Times the worker coroutine was started again after a crash.
    std::uint64_t worker_restarts = 0;
    // Exceptions thrown by wrapped sinks (log or flush) and by the fallback sink.
    std::uint64_t backend_errors = 0;
    // flush() / flush_for() calls (and destructor drains) that ran out of time.
    std::uint64_t flush_timeouts = 0;
    // Messages the fallback sink accepted (already included in messages_processed).
    std::uint64_t fallback_writes = 0;
    // Times the sink entered synchronous fallback.
    std::uint64_t fallback_activations = 0;
    // Times it left synchronous fallback because the wrapped sinks took messages again.
    std::uint64_t fallback_recoveries = 0;

    // Messages queued now, including one whose write failed and waits for a retry.
    std::size_t queue_size = 0;
    // The most messages ever queued at once.
    std::size_t queue_high_water = 0;
    // max_queue_size.
    std::size_t queue_capacity = 0;
    // How long the oldest queued message has been waiting, on the sink's clock; zero when
    // the queue is empty. A message the worker is writing at this instant is not counted;
    // one kept for a retry after a failed write is. Alert when it nears flush_interval
    // plus your tolerance: the worker is not keeping up, or is stuck in a wrapped sink.
    std::chrono::nanoseconds oldest_message_age{0};

    coro_worker_state worker_state = coro_worker_state::running;
    // worker_state == coro_worker_state::fallback.
    bool fallback_active = false;
};

}  // namespace sinks
}  // namespace spdlog
