// event_loop_driver.cpp - coro_driver::event_loop: the application's loop runs the worker.
//
// The sink hands coro_resume objects to the user's scheduler; each one reaches the driver
// through a loop_link, a small reference-counted object that outlives the sink: when the
// sink is closed it nulls the link's driver pointer (waiting for a resumption that is
// running), so resumptions still queued in the loop become no-ops instead of touching
// freed memory.
//
// Edges: the same as the thread driver's, plus the new message's flush deadline: nothing
// polls here, so the loop must be asked for the time trigger too. From batch_size on, every
// message checks (two loads, no write, while a resumption is outstanding), so a resumption
// the loop dropped is replaced even though the depth never passes an edge again.
//
// No lost resumption (Dekker style, every operation seq_cst): a resumption first stores
// scheduled_at_ = max ("none outstanding"), and after its step reads the queue depth
// (coro_core::next_work). A producer reserves its place (a CAS in ledger::reserve), and on
// an edge reads scheduled_at_. Either the resumption's read sees the new message (and it
// asks for the next resumption), or the producer's read sees max (and it asks). Between the
// edges (depth 1 and batch_size) a resumption is always outstanding or running, and a
// running one re-arms from what it finds.

#include "event_loop_driver.h"

#include "guarded_call.h"
#include "text.h"

#include <spdlog/sinks/coro_event_loop.h>

#include <algorithm>
#include <mutex>

namespace spdlog {
namespace sinks {
namespace coro_detail {

struct loop_link {
    loop_link(event_loop_driver &d, const worker_role &r) noexcept
        : driver(&d),
          role(&r) {}
    std::atomic<std::size_t> refs{1};  // the driver's own reference, plus one per coro_resume
    std::mutex mutex;                  // held while a resumption runs, and to detach
    event_loop_driver *driver;         // guarded by mutex; null once the sink is closing
    const worker_role *const role;     // the sink's worker role (identity only)
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

void run_resumption(loop_link &link) noexcept {
    // Run inline (an inline scheduler) by a thread inside this sink's own worker step, for
    // example a wrapped sink logging from its flush(): that thread may hold the wrapped
    // sinks' lock, so taking link.mutex here would invert the lock order (link, role, sinks)
    // against a resumption on another thread. The role holder asks again when it gives the
    // role up; its driver is alive while it holds the role.
    for (const held_role *r = tls_held_roles; r != nullptr; r = r->outer) {
        if (r->role == link.role) {
            link.driver->resume_after_role();
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
        if (link.driver != nullptr) link.driver->resume();
    } while (link.again && link.driver != nullptr);
    tls_running_link = outer;
}
}  // namespace

event_loop_driver::event_loop_driver(coro_core &core)
    : inline_driver(core, false),
      link_(new loop_link(*this, core.role())) {}

event_loop_driver::~event_loop_driver() { detach(); }

void event_loop_driver::queued(std::size_t depth, time_point stamp) noexcept {
    if (depth >= core_.options().batch_size) {
        request_resume(ticks(stamp), stamp);
    } else if (depth == 1) {
        request_resume(ticks(after(stamp, core_.options().flush_interval)), stamp);
    }
}

void event_loop_driver::request_resume(std::int64_t want, time_point t) noexcept {
    if (link_ == nullptr) return;
    std::int64_t outstanding = scheduled_at_.load(std::memory_order_seq_cst);
    do {
        // An earlier resumption will see to it, if it still exists: the link counts every
        // coro_resume alive besides the driver's own reference, so one the loop dropped
        // without running it (a destroyed io_context, a cancelled timer) does not strand
        // the sink.
        if (outstanding <= want && link_->refs.load(std::memory_order_acquire) > 1) return;
    } while (!scheduled_at_.compare_exchange_weak(outstanding, want, std::memory_order_seq_cst));
    guarded_call(
        [&] {
            const auto delay = std::chrono::nanoseconds(std::max<std::int64_t>(0, want - ticks(t)));
            core_.options().scheduler(link_->resumption(), delay);
        },
        [&](const char *what) {
            // Let the next edge (or flush) ask again rather than trust a resumption that
            // was never queued.
            scheduled_at_.store(std::numeric_limits<std::int64_t>::max(),
                                std::memory_order_seq_cst);
            core_.reports().report(
                [&] { return concat("coro_sink: the scheduler threw: ", what); });
        });
}

void event_loop_driver::resume() noexcept {
    scheduled_at_.store(std::numeric_limits<std::int64_t>::max(), std::memory_order_seq_cst);
    if (core_.role().held_by_this_thread()) {
        // Run inline from inside our own step (a wrapped sink or the error handler logged
        // into this sink during flush() or poll()): the holder asks again when it gives up
        // the role.
        resume_after_role();
        return;
    }
    if (!core_.role().try_acquire()) {
        // flush(), poll() or a blocked producer on another thread is running the worker; it
        // may leave work behind that no edge will announce. It asks again when it gives up
        // the role, and in case it gave it up just before it could see the flag, look again
        // shortly too (a pacing delay only).
        resume_after_role();
        const time_point t = core_.now();
        request_resume(ticks(after(t, std::chrono::milliseconds(1))), t);
        return;
    }
    time_point want = time_point::max();
    {
        coro_core::role_scope role(core_);
        core_.step(core_.now());
        const time_point t = core_.now();
        const coro_core::work_due work = core_.next_work(t);
        want = work.step_now ? t : work.at;
    }
    // Outside the role: the scheduler may run the next resumption inline.
    if (want != time_point::max()) request_resume(ticks(want), core_.now());
}

void event_loop_driver::role_released() noexcept {
    if (link_ == nullptr || !resume_after_role_.load(std::memory_order_relaxed)) return;
    if (!resume_after_role_.exchange(false, std::memory_order_acq_rel)) return;
    const time_point t = core_.now();
    request_resume(ticks(t), t);
}

void event_loop_driver::detach() noexcept {
    if (link_ == nullptr) return;
    if (tls_running_link == link_) {
        link_->driver = nullptr;  // closed from inside its own resumption: we hold the lock
    } else {
        std::lock_guard<std::mutex> lock(link_->mutex);
        link_->driver = nullptr;
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
