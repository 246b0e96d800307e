// event_monitor.cpp - coro_sink's monitoring callbacks (coro_sink_options::on_event).
//
// The sink's counters are the event sources: an event of a kind "happened" when its counter
// passed what was last delivered. So the places that count (a drop, a restart, a fallback)
// need nothing new, and delivery can happen anywhere it is safe to call user code: on the
// producer that dropped a message, and on any thread that gives up the worker role.

#include "coro_core.h"
#include "guarded_call.h"
#include "worker_role.h"

#include "text.h"

namespace spdlog {
namespace sinks {

namespace coro_detail {

namespace {
// The core whose on_event handler this thread is running. A handler that logs into its own
// full sink would otherwise recurse (log, drop, handler, log, ...) without bound when
// event_interval is 0; the nested occurrence stays pending for the next delivery instead.
thread_local const coro_core *tls_delivering = nullptr;

constexpr coro_event_kind all_kinds[] = {
    coro_event_kind::overflow, coro_event_kind::backend_error, coro_event_kind::restart,
    coro_event_kind::fallback, coro_event_kind::recovery,      coro_event_kind::flush_timeout,
};
}  // namespace

std::uint64_t coro_core::event_total(coro_event_kind kind) const noexcept {
    const auto relaxed = std::memory_order_relaxed;
    switch (kind) {
        case coro_event_kind::overflow:
            return evicted_.load(relaxed) + rejected_.load(relaxed) + block_timeouts_.load(relaxed);
        case coro_event_kind::backend_error:
            return backend_errors_.load(relaxed);
        case coro_event_kind::restart:
            return restarts_.load(relaxed);
        case coro_event_kind::fallback:
            return fallback_activations_.load(relaxed);
        case coro_event_kind::recovery:
            return recoveries_.load(relaxed);
        case coro_event_kind::flush_timeout:
            return flush_timeouts_.load(relaxed);
    }
    return 0;
}

void coro_core::deliver_event(coro_event_kind kind) noexcept {
    if (tls_delivering == this) return;
    event_gate &gate = gates_[static_cast<std::size_t>(kind)];
    const std::uint64_t total = event_total(kind);
    if (!gate.pending(total)) return;  // the common case, without a clock read
    // Read per kind: a slow handler for one kind must not let the next claim with an old time.
    const std::uint64_t count = gate.claim(total, ticks(now()), event_interval_ticks_);
    if (count == 0) return;
    coro_sink_event event;
    event.kind = kind;
    event.count = count;
    event.total = total;
    event.stats = stats();
    const coro_core *const outer = tls_delivering;
    tls_delivering = this;
    guarded_call(
        [&] { options_.on_event(event); },
        [&](const char *what) {
            report([&] { return concat("coro_sink: the on_event handler threw: ", what); });
        });
    tls_delivering = outer;
}

void coro_core::deliver_events() noexcept {
    if (!options_.on_event || tls_held_roles != nullptr) return;
    for (const coro_event_kind kind : all_kinds) deliver_event(kind);
}

void coro_core::on_drop() noexcept {
    // Inside a wrapped sink (a sink logging back into a full queue), user code must not run:
    // the event stays pending for the worker to deliver.
    if (!options_.on_event || tls_held_roles != nullptr) return;
    deliver_event(coro_event_kind::overflow);
}

coro_core::time_point coro_core::next_event_due() const noexcept {
    if (!options_.on_event) return time_point::max();
    std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
    for (const coro_event_kind kind : all_kinds) {
        const event_gate &gate = gates_[static_cast<std::size_t>(kind)];
        if (gate.pending(event_total(kind))) earliest = std::min(earliest, gate.next_at());
    }
    if (earliest == std::numeric_limits<std::int64_t>::max()) return time_point::max();
    // A gate that never delivered has next_at == min: due at once.
    return earliest <= 0 ? time_point{}
                         : time_point(std::chrono::duration_cast<clock::duration>(
                               std::chrono::nanoseconds(earliest)));
}

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
