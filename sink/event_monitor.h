// event_monitor.h - coro_sink's monitoring callbacks (coro_sink_options::on_event).
//
// The ledger's counters are the event sources: an event of a kind "happened" when its
// counter passed what was last delivered. So the places that count (a drop, a restart, a
// fallback) need nothing new, and delivery can happen anywhere it is safe to call user code:
// on the producer that dropped a message, and on any thread that gives up the worker role;
// never on a thread inside a sink's worker (a wrapped sink, the error handler). A gate per
// kind rate-limits the calls to one per event_interval, coalescing what happened between.

#pragma once

#include "event_gate.h"
#include "ledger.h"
#include "sink_reports.h"
#include "time_math.h"

#include <spdlog/sinks/coro_sink_events.h>
#include <spdlog/sinks/coro_sink_options.h>

#include <array>
#include <functional>

namespace spdlog {
namespace sinks {
namespace coro_detail {

class event_monitor {
public:
    using snapshot_fn = std::function<coro_sink_stats()>;
    using now_fn = std::function<time_point()>;

    event_monitor(const coro_sink_options &options,
                  const ledger &counts,
                  sink_reports &reports,
                  now_fn now,
                  snapshot_fn snapshot);

    // Delivers every kind whose gate allows it now; what a thread does when it gives up the
    // worker role. Blocks: in the handler. Throws: never (the handler's throw is reported).
    // Threads: any not inside a sink's worker (else nothing happens: it stays pending).
    void deliver_all() noexcept;
    // A producer's message was dropped: the overflow kind, if its gate allows it now.
    void dropped() noexcept;
    // When the earliest pending event may be delivered; max when none is pending.
    time_point next_due() const noexcept;

private:
    void deliver(coro_event_kind kind) noexcept;

    const coro_event_handler handler_;
    const std::int64_t interval_ticks_;
    const ledger &counts_;
    sink_reports &reports_;
    const now_fn now_;
    const snapshot_fn snapshot_;
    std::array<event_gate, 6> gates_;  // by coro_event_kind
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
