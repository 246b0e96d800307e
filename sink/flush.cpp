// flush.cpp - flush_for(): the caller's side of the flush protocol (flush_tickets.h).
//
// The caller takes a ticket for everything queued so far. The driver's own thread serves it
// when there is one (the caller waits on the tickets' condition variable); otherwise the
// caller takes the worker role and steps until its ticket is done. Either way the wait is
// bounded by the deadline on the injected clock, and a flush that runs out of time is
// counted, reported and offered to on_event: it never pretends to have flushed.

#include "coro_core.h"

#include "text.h"

namespace spdlog {
namespace sinks {
namespace coro_detail {

bool coro_core::flush_for(std::chrono::milliseconds timeout) noexcept {
    const time_point deadline = after(now(), timeout);
    // From inside a wrapped sink of this very sink, a flush cannot wait for itself.
    if (role_.held_by_this_thread()) return false;
    const std::uint64_t ticket = request_flush();
    bool ok = false;
    if (!driver_->serve_flush(ticket, deadline, ok) &&
        role_.acquire_until(deadline, [this] { return now(); })) {
        role_scope role(*this);
        ok = drain_until(ticket, deadline);
    }
    if (!ok) {
        counts_.count(tally::flush_timeout);
        reports_.report([&] {
            return concat("coro_sink: flush timed out after ", timeout, " with ",
                          counts_.queued(std::memory_order_relaxed),
                          " messages still queued; they will be written later");
        });
        monitor_.deliver_all();
    }
    return ok;
}

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
