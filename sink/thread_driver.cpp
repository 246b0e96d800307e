// thread_driver.cpp - the thread driver: a thread owned by the sink that resumes the worker.
//
// The thread runs worker steps while something is due, then parks on a condition variable.
// Producers do not wake it per batch: a futex wake costs microseconds on the producer's
// path, and at batch_size 50 that would be 2% of all calls. Instead the worker polls while
// messages may be arriving, and producers wake it only on rare edges:
//   - queue non-empty: it parks until the oldest message's flush_interval deadline, but at
//     most one poll slice (1 ms), so a ready batch is written within a slice;
//   - queue empty: it keeps polling for 20 slices, then parks without a timeout
//     (parked_forever_): no CPU while idle. The next message (depth 1) wakes it.
//   - pressure: a producer that takes the queue to wake_mark_ (3/4 full, or batch_size if
//     larger) wakes it, so a burst never waits out a slice against a full queue;
//   - a flush request, a producer blocked for room, and stop always wake it.
// Lost-wake-up proof (Dekker style, all operations seq_cst, so they sit in one total order):
// the thread stores parked_forever_ / sleeping_, then re-reads the queue depth and the flush
// request. A producer reserves its place (a seq_cst CAS in ledger::reserve) or asks for a
// flush (a seq_cst CAS in flush_tickets::request), then reads parked_forever_ / sleeping_.
// Either the thread's re-read comes after the producer's CAS and sees it (and does not
// sleep), or the producer's read comes after the thread's store and sees it (and wakes the
// thread). No fences, so the ThreadSanitizer build checks exactly this.
//
// Time: every decision reads the injected clock. The park itself must use real time; with
// steady_clock that is exact, with an injected clock the park is cut into 1 ms slices so a
// test that moves its clock is noticed promptly.

#include "thread_driver.h"

#include "error_reporter.h"
#include "guarded_call.h"
#include "text.h"

#include <algorithm>
#include <string>

#if defined(__linux__)
    #include <pthread.h>
#endif

namespace spdlog {
namespace sinks {
namespace coro_detail {

thread_driver::thread_driver(coro_core &core) noexcept
    : core_(core),
      wake_mark_(std::max(core.options().batch_size,
                          core.options().max_queue_size - core.options().max_queue_size / 4)) {}

thread_driver::~thread_driver() {
    // stop() joined or detached the thread, unless the core never got that far.
    if (thread_.joinable()) stop_thread(core_.options().flush_timeout);
}

void thread_driver::start() {
    thread_ = std::thread([this] { thread_main(); });
#if defined(__linux__)
    pthread_setname_np(thread_.native_handle(), "coro_sink");
#endif
}

void thread_driver::wake() noexcept {
    if (!sleeping_.load(std::memory_order_seq_cst)) return;
    {
        std::lock_guard<std::mutex> lock(park_mutex_);
        wake_pending_ = true;
    }
    park_cv_.notify_one();
}

bool thread_driver::serve_flush(std::uint64_t ticket, time_point deadline, bool &ok) noexcept {
    // The worker thread itself (an on_event handler delivered there) cannot wait for itself:
    // the caller takes the role and writes inline, like the cooperative driver.
    if (!thread_.joinable() || stop_.load(std::memory_order_acquire) ||
        std::this_thread::get_id() == thread_.get_id()) {
        return false;
    }
    wake();
    ok = core_.tickets().wait(
        ticket, deadline, [this] { return core_.now(); }, static_cast<bool>(core_.options().clock));
    return true;
}

void thread_driver::thread_main() noexcept {
    while (!stop_.load(std::memory_order_acquire)) {
        time_point wake_at = time_point::max();
        bool busy = false;
        bool idle = false;
        if (core_.role().try_acquire()) {
            coro_core::role_scope role(core_);
            run_due_steps(wake_at, busy, idle);
        } else {
            busy = true;  // a poll() or a blocked producer has the worker: look again soon
        }
        park(wake_at, busy, idle);
    }

    // Exit handshake with stop(): if stop() gave up waiting for us (we were stuck in a
    // wrapped sink), we own the core now: finish its job and delete it.
    bool orphaned = false;
    {
        std::lock_guard<std::mutex> lock(park_mutex_);
        thread_exited_ = true;
        orphaned = orphaned_;
    }
    if (!orphaned) {
        park_cv_.notify_all();  // stop() is waiting; it joins us and the core is deleted
        return;
    }
    coro_core &core = core_;
    if (core.role().try_acquire()) {
        coro_core::role_scope role(core);
        // The wrapped sink came back: drain what is queued to it, bounded as close() was.
        core.drain_until(core.request_flush(), after(core.now(), core.options().flush_timeout));
        core.abandon_leftovers();
    }
    delete &core;  // destroys this driver too: touch nothing after it
}

void thread_driver::run_due_steps(time_point &wake_at, bool &busy, bool &idle) noexcept {
    // Bounded, so a flood of messages cannot keep the thread from noticing stop_.
    for (int i = 0; i < 1024; ++i) {
        const time_point t = core_.now();
        const coro_core::work_due work = core_.next_work(t);
        if (!work.step_now) {
            wake_at = work.at;
            idle = work.idle;
            return;
        }
        const std::uint64_t flushed_before = core_.tickets().completed();
        const std::size_t written = core_.step(t);
        if (written == 0 && core_.tickets().completed() == flushed_before &&
            core_.health().state(std::memory_order_relaxed) != coro_worker_state::backing_off) {
            busy = true;  // due, but the oldest message is still being copied in
            return;
        }
    }
    busy = true;
}

void thread_driver::park(time_point wake_at, bool busy, bool idle) noexcept {
    constexpr auto slice = std::chrono::milliseconds(1);
    constexpr unsigned idle_slices_before_forever = 20;
    const bool backing_off =
        core_.health().state(std::memory_order_relaxed) == coro_worker_state::backing_off;
    std::unique_lock<std::mutex> lock(park_mutex_);
    const bool forever = idle && !busy && idle_slices_ >= idle_slices_before_forever;
    if (forever) parked_forever_.store(true, std::memory_order_seq_cst);
    sleeping_.store(true, std::memory_order_seq_cst);
    // Re-check what a producer may have done before it could see the stores above. While
    // the worker waits out a restart backoff, queued messages and flush requests cannot be
    // served anyway: only stop_ or an explicit wake cut the wait short.
    const std::size_t queued = core_.counts().queued(std::memory_order_seq_cst);
    const bool flush_asked = core_.tickets().pending(std::memory_order_seq_cst);
    const bool missed_edge =
        wake_pending_ || stop_.load(std::memory_order_relaxed) ||
        (!backing_off && (queued >= core_.options().batch_size || flush_asked)) ||
        (forever && queued != 0);
    const auto woken = [this] { return wake_pending_; };
    if (!missed_edge) {
        if (busy) {
            park_cv_.wait_for(lock, std::chrono::microseconds(50), woken);
        } else if (forever) {
            park_cv_.wait(lock, woken);
        } else {
            // Until the next timed work: with steady_clock exactly (a backoff) or at most
            // one slice (messages queued: a batch may become ready). With an injected clock
            // always at most one slice, since that clock may jump; it only sizes the wait,
            // which is in real time.
            auto left = wake_at == time_point::max() ? engine_clock::duration(slice)
                                                     : wake_at - core_.now();
            if (core_.options().clock || !backing_off) {
                left = std::min<engine_clock::duration>(left, slice);
            }
            left = capped_wait(left);
            if (left > engine_clock::duration::zero()) park_cv_.wait_for(lock, left, woken);
        }
    }
    idle_slices_ = (idle && !wake_pending_) ? idle_slices_ + 1 : 0;
    wake_pending_ = false;
    parked_forever_.store(false, std::memory_order_relaxed);
    sleeping_.store(false, std::memory_order_relaxed);
}

bool thread_driver::stop(bool flushed) noexcept {
    if (!thread_.joinable()) return true;
    // A responsive worker thread exits at once; one that did not finish the flush may be
    // stuck in a wrapped sink, so it only gets a short grace before it is detached.
    return stop_thread(flushed ? core_.options().flush_timeout : std::chrono::milliseconds(100));
}

bool thread_driver::stop_thread(std::chrono::milliseconds grace) noexcept {
    stop_.store(true, std::memory_order_release);
    {
        std::lock_guard<std::mutex> lock(park_mutex_);
        wake_pending_ = true;
    }
    park_cv_.notify_one();
    std::unique_lock<std::mutex> lock(park_mutex_);
    if (std::this_thread::get_id() == thread_.get_id()) {
        // Destroyed on its own worker thread (a wrapped sink dropped the last reference):
        // it cannot wait for itself. The thread finishes the job when it unwinds to
        // thread_main, exactly as after a stuck sink, without the warning.
        thread_.detach();
        orphaned_ = true;
        return false;
    }
    if (park_cv_.wait_for(lock, capped_wait(grace), [this] { return thread_exited_; })) {
        lock.unlock();
        thread_.join();
        return true;
    }
    // Stuck in a wrapped sink: hand the core over to the thread (see thread_main). Once
    // orphaned_ is set and the lock released, the thread may delete the core at any moment,
    // so everything needed afterwards is taken out first and the core is not touched again.
    std::string message;
    try {
        message = concat(
            "coro_sink destroyed while its worker thread is stuck in a wrapped "
            "sink; the thread will drain the queue and release the sink when it "
            "returns (",
            core_.counts().queued(), " messages queued)");
    } catch (...) {
    }
    err_handler handler;
    try {
        handler = core_.options().error_handler;
    } catch (...) {
    }
    thread_.detach();
    orphaned_ = true;
    lock.unlock();
    // Not through the core's reporter: the core may be gone by now.
    guarded_call(
        [&] {
            if (handler) {
                handler(message);
            } else {
                write_error_line(message);
            }
        },
        [](const char *) {});
    return false;
}

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
