// event_monitor.cpp - delivery of on_event calls (see event_monitor.h).

#include "event_monitor.h"

#include "guarded_call.h"
#include "text.h"
#include "worker_role.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace spdlog {
namespace sinks {
namespace coro_detail {

namespace {
// The monitor whose handler this thread is running. A handler that logs into its own full
// sink would otherwise recurse (log, drop, handler, log, ...) without bound when
// event_interval is 0; the nested occurrence stays pending for the next delivery instead.
thread_local const event_monitor *tls_delivering = nullptr;

constexpr coro_event_kind all_kinds[] = {
    coro_event_kind::overflow, coro_event_kind::backend_error, coro_event_kind::restart,
    coro_event_kind::fallback, coro_event_kind::recovery,      coro_event_kind::flush_timeout,
};
}  // namespace

event_monitor::event_monitor(const coro_sink_options &options,
                             const ledger &counts,
                             sink_reports &reports,
                             now_fn now,
                             snapshot_fn snapshot)
    : handler_(options.on_event),
      interval_ticks_(nanoseconds_saturated(options.event_interval)),
      counts_(counts),
      reports_(reports),
      now_(std::move(now)),
      snapshot_(std::move(snapshot)) {}

void event_monitor::deliver(coro_event_kind kind) noexcept {
    if (tls_delivering == this) return;
    event_gate &gate = gates_[static_cast<std::size_t>(kind)];
    const std::uint64_t total = counts_.total(kind);
    if (!gate.pending(total)) return;  // the common case, without a clock read
    // Read per kind: a slow handler for one kind must not let the next claim with an old time.
    const std::uint64_t count = gate.claim(total, ticks(now_()), interval_ticks_);
    if (count == 0) return;
    coro_sink_event event;
    event.kind = kind;
    event.count = count;
    event.total = total;
    event.stats = snapshot_();
    const event_monitor *const outer = tls_delivering;
    tls_delivering = this;
    guarded_call([&] { handler_(event); },
                 [&](const char *what) {
                     reports_.report(
                         [&] { return concat("coro_sink: the on_event handler threw: ", what); });
                 });
    tls_delivering = outer;
}

void event_monitor::deliver_all() noexcept {
    if (!handler_ || worker_role::any_held_by_this_thread()) return;
    for (const coro_event_kind kind : all_kinds) deliver(kind);
}

void event_monitor::dropped() noexcept {
    // Inside a wrapped sink (a sink logging back into a full queue), user code must not run:
    // the event stays pending for the worker to deliver.
    if (!handler_ || worker_role::any_held_by_this_thread()) return;
    deliver(coro_event_kind::overflow);
}

time_point event_monitor::next_due() const noexcept {
    if (!handler_) return time_point::max();
    std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
    for (const coro_event_kind kind : all_kinds) {
        const event_gate &gate = gates_[static_cast<std::size_t>(kind)];
        if (gate.pending(counts_.total(kind))) earliest = std::min(earliest, gate.next_at());
    }
    if (earliest == std::numeric_limits<std::int64_t>::max()) return time_point::max();
    // A gate that never delivered has next_at == min: due at once.
    return earliest <= 0 ? time_point{} : from_ticks(earliest);
}

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
