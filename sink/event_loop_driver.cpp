// event_loop_driver.cpp - coro_driver::event_loop: the application's loop runs the worker.
//
// The sink hands coro_resume objects to the user's scheduler; each one reaches the core
// through a loop_link, a small reference-counted object that outlives the core: when the
// sink is destroyed it nulls the link's core pointer (waiting for a resumption that is
// running), so resumptions still queued in the loop become no-ops instead of touching
// freed memory.
//
// No lost resumption (Dekker style, every operation seq_cst): a resumption first stores
// scheduled_at_ = max ("none outstanding"), and after its step reads queued_. A producer
// reserves its place (a CAS on queued_), and on an edge reads scheduled_at_. Either the
// resumption's read sees the new message (and it asks for the next resumption), or the
// producer's read sees max (and it asks). The edges are depth 1 (the message's flush
// deadline) and depth batch_size (a ready batch); between them a resumption is always
// outstanding or running, and a running one re-arms from what it finds.

#include "coro_core.h"
#include "guarded_call.h"
#include "worker_role.h"

#include "text.h"

#include <spdlog/sinks/coro_event_loop.h>

namespace spdlog {
namespace sinks {
namespace coro_detail {

struct loop_link {
    explicit loop_link(coro_core &c) noexcept
        : core(&c) {}
    std::atomic<std::size_t> refs{1};  // the core's own reference, plus one per coro_resume
    std::mutex mutex;                  // held while a resumption runs, and to detach the core
    coro_core *core;                   // guarded by mutex; null once the sink is closing
    bool again = false;                // guarded by mutex: a resumption ran inline, see below
    // A new reference to this link for the user's scheduler; coro_resume's constructor is
    // private, so the library is the only source of them.
    coro_resume resumption() noexcept { return coro_resume(this); }
};

namespace {
// The link whose resumption this thread is running, so that a scheduler that runs the next
// resumption inline (before returning) does not lock the link's mutex twice.
thread_local loop_link *tls_running_link = nullptr;

void release(loop_link *link) noexcept {
    if (link->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete link;
}
}  // namespace

loop_link *make_loop_link(coro_core &core) { return new loop_link(core); }

void run_resumption(loop_link &link) noexcept {
    // Run inline (an inline scheduler) by a thread inside this sink's own worker step, for
    // example a wrapped sink logging from its flush(): that thread may hold the wrapped
    // sinks' lock, so taking link.mutex here would invert the lock order (link, role, sinks)
    // against a resumption on another thread. The role holder asks again when it gives the
    // role up (resume_after_role_); its core is alive while it holds the role.
    for (const held_role *r = tls_held_roles; r != nullptr; r = r->outer) {
        if (r->core->link_ == &link) {
            r->core->resume_after_role_.store(true, std::memory_order_seq_cst);
            return;
        }
    }
    if (tls_running_link == &link) {
        // The scheduler ran `resume` inline from inside a resumption: let the outer call
        // do the step once it gets back here, instead of recursing.
        link.again = true;
        return;
    }
    std::lock_guard<std::mutex> lock(link.mutex);
    loop_link *const outer = tls_running_link;
    tls_running_link = &link;
    do {
        link.again = false;
        if (link.core != nullptr) link.core->resume_from_loop();
    } while (link.again && link.core != nullptr);
    tls_running_link = outer;
}

void coro_core::request_resume(std::int64_t want, time_point t) noexcept {
    if (link_ == nullptr) return;
    std::int64_t outstanding = scheduled_at_.load(std::memory_order_seq_cst);
    do {
        // An earlier resumption will see to it, if it still exists: the link counts every
        // coro_resume alive besides the core's own reference, so one the loop dropped
        // without running it (a destroyed io_context, a cancelled timer) does not strand
        // the sink.
        if (outstanding <= want && link_->refs.load(std::memory_order_acquire) > 1) return;
    } while (!scheduled_at_.compare_exchange_weak(outstanding, want, std::memory_order_seq_cst));
    guarded_call(
        [&] {
            const auto delay = std::chrono::nanoseconds(std::max<std::int64_t>(0, want - ticks(t)));
            options_.scheduler(link_->resumption(), delay);
        },
        [&](const char *what) {
            // Let the next edge (or flush) ask again rather than trust a resumption that
            // was never queued.
            scheduled_at_.store(std::numeric_limits<std::int64_t>::max(),
                                std::memory_order_seq_cst);
            report([&] { return concat("coro_sink: the scheduler threw: ", what); });
        });
}

void coro_core::resume_from_loop() noexcept {
    scheduled_at_.store(std::numeric_limits<std::int64_t>::max(), std::memory_order_seq_cst);
    if (held_by_this_thread()) {
        // Run inline from inside our own step (a wrapped sink or the error handler logged
        // into this sink during flush() or poll()): the holder asks again when it gives up
        // the role.
        resume_after_role_.store(true, std::memory_order_seq_cst);
        return;
    }
    if (!try_acquire_role()) {
        // flush(), poll() or a blocked producer on another thread is running the worker; it
        // may leave work behind that no edge will announce. It asks again when it gives up
        // the role, and in case it gave it up just before it could see the flag, look again
        // shortly too (a pacing delay only).
        resume_after_role_.store(true, std::memory_order_seq_cst);
        const time_point t = now();
        request_resume(ticks(after(t, std::chrono::milliseconds(1))), t);
        return;
    }
    std::int64_t want = std::numeric_limits<std::int64_t>::max();
    {
        role_scope role(*this);
        step(now());
        want = next_resume_at(now());
    }
    // Outside the role: the scheduler may run the next resumption inline.
    if (want != std::numeric_limits<std::int64_t>::max()) request_resume(want, now());
}

std::int64_t coro_core::next_resume_at(time_point t) const noexcept {
    std::int64_t want = std::numeric_limits<std::int64_t>::max();
    const time_point events = next_event_due();
    if (events != time_point::max()) want = ticks(events);
    // seq_cst: the read of the Dekker pair in the file comment.
    if (queued_.load(std::memory_order_seq_cst) == 0 && !flush_retry_) return want;
    if (state_.load(std::memory_order_relaxed) == coro_worker_state::backing_off) {
        return std::min(want, restart_at_.load(std::memory_order_relaxed));
    }
    if (due(t) != trigger::none) return ticks(t);
    if (const auto oldest = ring_.oldest_stamp()) {
        const time_point queued_at(
            std::chrono::duration_cast<clock::duration>(std::chrono::nanoseconds(*oldest)));
        return std::min(want, ticks(after(queued_at, options_.flush_interval)));
    }
    // Messages reserved but still being copied in by their producers: the one that took the
    // queue from empty asks for its own deadline, but look again soon in case it did so
    // before this resumption cleared scheduled_at_.
    return std::min(want, ticks(after(t, std::chrono::milliseconds(1))));
}

void coro_core::resume_after_role_released() noexcept {
    if (link_ == nullptr || !resume_after_role_.load(std::memory_order_relaxed)) return;
    if (!resume_after_role_.exchange(false, std::memory_order_acq_rel)) return;
    const time_point t = now();
    request_resume(ticks(t), t);
}

void coro_core::detach_loop() noexcept {
    if (link_ == nullptr) return;
    if (tls_running_link == link_) {
        link_->core = nullptr;  // destroyed from inside its own resumption: we hold the lock
    } else {
        std::lock_guard<std::mutex> lock(link_->mutex);
        link_->core = nullptr;
    }
    release(link_);
    link_ = nullptr;
}

}  // namespace coro_detail

coro_resume::coro_resume(coro_detail::loop_link *link) noexcept
    : link_(link) {
    link_->refs.fetch_add(1, std::memory_order_relaxed);
}

coro_resume::coro_resume(const coro_resume &other) noexcept
    : link_(other.link_) {
    if (link_ != nullptr) link_->refs.fetch_add(1, std::memory_order_relaxed);
}

coro_resume::coro_resume(coro_resume &&other) noexcept
    : link_(other.link_) {
    other.link_ = nullptr;
}

coro_resume &coro_resume::operator=(coro_resume other) noexcept {
    std::swap(link_, other.link_);
    return *this;
}

coro_resume::~coro_resume() {
    if (link_ != nullptr) coro_detail::release(link_);
}

void coro_resume::operator()() const noexcept {
    if (link_ != nullptr) coro_detail::run_resumption(*link_);
}

}  // namespace sinks
}  // namespace spdlog
