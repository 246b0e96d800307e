// coro_sink_events.h - monitoring callbacks of spdlog::sinks::coro_sink.
//
// The design note says to alert on worker restarts, queue overflows and rising backend
// errors. Set coro_sink_options::on_event and the sink calls it when one of those happens,
// at most once per event_interval for each kind: occurrences in between are coalesced into
// the next call's `count`, so a storm of drops cannot flood the handler (or the pager).
//
//     opts.on_event = [](const spdlog::sinks::coro_sink_event &e) {
//         if (e.kind == spdlog::sinks::coro_event_kind::overflow)
//             metrics.alert("log queue overflow", e.count, e.stats.queue_size);
//     };
//     opts.event_interval = std::chrono::seconds(10);
//
// Delivery: a kind's first occurrence is delivered at once; later ones once event_interval
// (on the injected clock) has passed since the previous call for that kind. Occurrences
// still waiting are delivered by the next worker step after that (the thread driver wakes
// up for it; with the cooperative, manual and event-loop drivers, the next step that a
// log(), poll(), flush() or resumption runs). What one worker step noticed is delivered
// when it ends, kinds in enum order. Nothing is lost: `total` is the kind's counter when the
// call was prepared (the `stats` snapshot, read just after, may already be higher), and the
// counts of successive calls add up to it. A handler that causes an event of its own sink
// (logs into a full queue) is not called again from inside itself: that occurrence stays
// pending for the next delivery.

#pragma once

#include <spdlog/sinks/coro_sink_stats.h>

#include <cstdint>
#include <functional>

namespace spdlog {
namespace sinks {

// What happened. Each kind follows one counter of coro_sink_stats.
enum class coro_event_kind {
    overflow,       // messages dropped: queue_overflows + block_timeouts (messages_dropped)
    backend_error,  // a wrapped or fallback sink threw: backend_errors
    restart,        // the worker was restarted after a crash: worker_restarts
    fallback,       // the sink fell back to synchronous writing: fallback_activations
    recovery,       // it left synchronous fallback: fallback_recoveries
    flush_timeout,  // a flush ran out of time: flush_timeouts
};

// "overflow", "backend_error", "restart", "fallback", "recovery", "flush_timeout";
// "unknown" outside the enum. Never allocates or throws. Any thread.
const char *to_string(coro_event_kind kind) noexcept;

struct coro_sink_event {
    coro_event_kind kind = coro_event_kind::overflow;
    // Occurrences since the previous call for this kind (more than 1 when coalesced).
    std::uint64_t count = 0;
    // Occurrences since the sink was created: the matching stats counter.
    std::uint64_t total = 0;
    // The sink's counters, read just before the call.
    coro_sink_stats stats;
};

// Called from the thread where the event was noticed: a producer whose message was dropped
// (overflow), or whichever thread ran the worker step (the others), never while that thread
// is inside a wrapped sink. It may log, read stats(), flush() or change the wrapped sinks.
// With event_interval > 0, calls for one kind are at least that far apart; calls for
// different kinds may run concurrently on different threads. It must not throw: an
// exception is swallowed and reported through the error handler.
using coro_event_handler = std::function<void(const coro_sink_event &)>;

}  // namespace sinks
}  // namespace spdlog
