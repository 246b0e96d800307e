// coro_core.cpp - submission, the worker coroutine and its supervisor.

#include "coro_core.h"
#include "crash_registry.h"
#include "guarded_call.h"
#include "worker_role.h"

#include <spdlog/common.h>
#include <spdlog/sinks/coro_sink.h>

#include "text.h"

#include <spdlog/pattern_formatter.h>

#include <algorithm>
#include <limits>
#include <thread>
#include <utility>

namespace spdlog {
namespace sinks {
namespace coro_detail {

thread_local held_role *tls_held_roles = nullptr;

// ---------------------------------------------------------------------------------------
// Construction and destruction

namespace {
// Option durations in nanoseconds; milliseconds::max() does not fit, so saturate.
std::int64_t nanoseconds_saturated(std::chrono::milliseconds d) {
    constexpr std::int64_t limit = std::numeric_limits<std::int64_t>::max() / 1000000;
    return d.count() >= limit ? std::numeric_limits<std::int64_t>::max() : d.count() * 1000000;
}

coro_sink_options validated(coro_sink_options options) {
    options.validate();
    return options;
}
void check_not_null(const sink_ptr &sink, const char *where) {
    if (!sink) {
        throw_spdlog_ex(concat("coro_sink: ", where,
                               ": a wrapped sink is null; pass a valid spdlog::sink_ptr"));
    }
}
}  // namespace

coro_core::coro_core(std::vector<sink_ptr> sinks, coro_sink_options options, bool thread_safe)
    : options_(validated(std::move(options))),
      thread_safe_(thread_safe || options_.driver == coro_driver::thread),
      interval_ticks_(nanoseconds_saturated(options_.flush_interval)),
      block_timeout_ticks_(nanoseconds_saturated(options_.block_timeout)),
      event_interval_ticks_(nanoseconds_saturated(options_.event_interval)),
      wake_mark_(
          std::max(options_.batch_size, options_.max_queue_size - options_.max_queue_size / 4)),
      errors_(options_.error_handler, options_.clock),
      ring_(options_.max_queue_size),
      restart_(options_.max_restarts, options_.restart_backoff, options_.max_restart_backoff),
      sinks_(std::move(sinks)) {
    for (std::size_t i = 0; i < sinks_.size(); ++i) {
        check_not_null(sinks_[i], concat("sinks[", i, "]").c_str());
    }
    current_pending_.reserve(sinks_.size());
    direct_pending_.reserve(sinks_.size());
    if (options_.driver == coro_driver::thread) start_thread();
    if (options_.driver == coro_driver::event_loop) link_ = make_loop_link(*this);
    // Last: the crash drain may use the core as soon as it is registered.
    crash_slot_ = crash_registry::add(this);
    if (crash_slot_ < 0) {
        report([] {
            return concat("coro_sink: not covered by the crash drain: all ",
                          crash_registry::capacity, " slots are taken by live sinks");
        });
    }
}

coro_core::~coro_core() {
    crash_registry::remove(crash_slot_);  // first: waits if the crash drain is using the core
    detach_loop();
    task_.reset();
}

bool coro_core::close() noexcept {
    // Write what is queued and flush, bounded by flush_timeout. What is left after that
    // (the time ran out, or another thread is still inside the sink) goes to the fallback
    // sink or is reported: never silently lost. Resumptions still queued in the user's event
    // loop must not reach a core being destroyed: cut them off first (this waits for one
    // running now to finish its step).
    detach_loop();
    const bool flushed = flush_for(options_.flush_timeout);
    if (thread_.joinable()) {
        // A responsive worker thread exits at once; one that did not finish the flush may
        // be stuck in a wrapped sink, so it only gets a short grace before it is detached.
        const auto grace = flushed ? options_.flush_timeout : std::chrono::milliseconds(100);
        if (!stop_thread(grace)) return false;
    }
    if (try_acquire_role()) {
        role_scope role(*this);
        abandon_leftovers();
    } else if (queued_.load(std::memory_order_acquire) != 0) {
        report([&] {
            return concat("coro_sink destroyed while another thread was running its worker: ",
                          queued_.load(), " queued messages were not written");
        });
    }
    return true;
}

// ---------------------------------------------------------------------------------------
// Submission

void coro_core::log(const details::log_msg &msg) noexcept {
    if (state_.load(std::memory_order_acquire) == coro_worker_state::fallback &&
        options_.driver != coro_driver::manual && log_synchronously(msg)) {
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
            bypassed_.fetch_add(1, std::memory_order_relaxed);
            copy_failures_.fetch_add(1, std::memory_order_relaxed);
            report([&] {
                return concat("coro_sink: could not copy a message of ", msg.payload.size(),
                              " bytes: ", e.what());
            });
            return;
        }
    }
    std::size_t depth = 0;
    if (!make_room(stamp, depth)) return;
    ring_.push(msg, std::move(heap), ticks(stamp));
    switch (options_.driver) {
        case coro_driver::cooperative:
            maybe_step(depth, stamp);
            break;
        case coro_driver::thread:
            // Rare edges only (see worker_thread.cpp): the first message after a long idle
            // period, and pressure. A ready batch is noticed by the worker's own polling.
            if (depth == wake_mark_ ||
                (depth == 1 && parked_forever_.load(std::memory_order_seq_cst))) {
                wake_worker();
            }
            break;
        case coro_driver::event_loop:
            // The same edges as the thread driver, plus the new message's flush deadline:
            // nothing polls here, so the loop must be asked for the time trigger too. From
            // batch_size on, every message checks (two loads, no write, while a resumption is
            // outstanding), so a resumption the loop dropped is replaced even though the
            // depth never passes an edge again.
            if (depth >= options_.batch_size) {
                request_resume(ticks(stamp), stamp);
            } else if (depth == 1) {
                request_resume(ticks(after(stamp, options_.flush_interval)), stamp);
            }
            break;
        case coro_driver::manual:
            break;
    }
}

bool coro_core::reserve(std::size_t &depth) noexcept {
    std::size_t n = queued_.load(std::memory_order_relaxed);
    while (n < options_.max_queue_size) {
        // seq_cst: orders this reservation before wake_worker()'s read of sleeping_ (see
        // worker_thread.cpp). On x86 every CAS is a full barrier anyway: it costs nothing.
        if (queued_.compare_exchange_weak(n, n + 1, std::memory_order_seq_cst,
                                          std::memory_order_relaxed)) {
            depth = n + 1;
            note_high_water(depth);
            return true;
        }
    }
    return false;
}

void coro_core::note_high_water(std::size_t depth) noexcept {
    // A plain load first: the line is only written when the mark rises, so in steady state
    // producers share it read-only.
    std::size_t mark = high_water_.load(std::memory_order_relaxed);
    while (depth > mark &&
           !high_water_.compare_exchange_weak(mark, depth, std::memory_order_relaxed)) {
    }
}

void coro_core::reject(std::atomic<std::uint64_t> &reason) noexcept {
    reason.fetch_add(1, std::memory_order_relaxed);
    bypassed_.fetch_add(1, std::memory_order_relaxed);
    on_drop();
}

bool coro_core::make_room(time_point stamp, std::size_t &depth) noexcept {
    unsigned spins = 0;
    for (;;) {
        if (reserve(depth)) return true;
        switch (options_.overflow) {
            case overflow_strategy::drop_newest:
                reject(rejected_);
                return false;
            case overflow_strategy::drop_oldest:
                // Our message takes the evicted one's place in the bound.
                if (ring_.pop(nullptr)) {
                    evicted_.fetch_add(1, std::memory_order_relaxed);
                    on_drop();
                    depth = options_.max_queue_size;
                    return true;
                }
                // Nothing evictable: the only queued messages are in the worker's hands or
                // still being copied in by their producers. The latter takes nanoseconds;
                // wait a little for it, then give up on our own message.
                if (spins > 256) {
                    reject(rejected_);
                    return false;
                }
                message_ring::backoff(spins++);
                continue;
            case overflow_strategy::block:
                break;
        }
        // overflow_strategy::block
        if (held_by_this_thread()) {
            // A wrapped sink logging into its own sink while the queue is full: the room
            // can only come from the worker this very thread is running.
            reject(rejected_);
            return false;
        }
        if (options_.driver != coro_driver::thread && try_acquire_role()) {
            std::size_t written = 0;
            {
                role_scope role(*this);
                written = step(now());  // the queue is full, so the batch trigger is due
            }
            if (written != 0) continue;
            // Nothing written: the worker is waiting out a restart backoff.
        } else if (options_.driver == coro_driver::thread) {
            wake_worker();
        }
        if (block_timeout_ticks_ > 0 && ticks(now()) - ticks(stamp) >= block_timeout_ticks_) {
            reject(block_timeouts_);
            return false;
        }
        wait_a_little(spins);
    }
}

void coro_core::maybe_step(std::size_t depth, time_point stamp) noexcept {
    bool is_due = depth >= options_.batch_size;
    if (!is_due) {
        switch (state_.load(std::memory_order_relaxed)) {
            case coro_worker_state::running: {
                const auto oldest = ring_.oldest_stamp();
                is_due = oldest && ticks(stamp) - *oldest >= interval_ticks_;
                break;
            }
            case coro_worker_state::backing_off:
                is_due = ticks(stamp) >= restart_at_.load(std::memory_order_relaxed);
                break;
            case coro_worker_state::fallback:
                is_due = true;
                break;
        }
    }
    if (is_due && try_acquire_role()) {
        role_scope role(*this);
        step(stamp);
    }
}

bool coro_core::log_synchronously(const details::log_msg &msg) noexcept {
    // Re-entrant (a wrapped sink logging into this sink), or another thread holds the
    // worker for longer than a flush may take: the caller queues the message instead.
    if (held_by_this_thread() || !acquire_role_until(after(now(), options_.flush_timeout))) {
        return false;
    }
    role_scope role(*this);
    // Another thread may have recovered while we waited for the role: then queue.
    if (state_.load(std::memory_order_relaxed) != coro_worker_state::fallback) return false;
    // Drain the queue first, in order, so the synchronous write does not overtake it. A
    // ticket below `target` whose producer is still copying its message in is waited for
    // (nanoseconds, unless that producer was preempted): skipping it would reorder.
    const std::uint64_t target = ring_.tail();
    unsigned spins = 0;
    while (has_current_ || ring_.head() < target) {
        const std::uint64_t before = ring_.head();
        try {
            write_batch(true);
        } catch (...) {
            // write_batch(true) routes failures instead of throwing; nothing to do.
        }
        if (!has_current_ && ring_.head() == before) message_ring::backoff(spins++);
    }
    bypassed_.fetch_add(1, std::memory_order_relaxed);
    bool accepted = false;  // by every wrapped sink
    bool processed = false;
    {
        deferred_reports reports(*this);
        sinks_lock lock(*this);
        direct_pending_.clear();
        accepted = deliver(msg, false, direct_pending_);
        processed = accepted || route_to_fallback(msg);
    }
    count_done(processed ? 1 : 0, processed ? 0 : 1, false);
    if (accepted) leave_fallback();
    return true;
}

// ---------------------------------------------------------------------------------------
// Worker role

bool coro_core::try_acquire_role() noexcept {
    // A plain load first, so contending producers do not bounce the line with failed RMWs.
    if (role_busy_.load(std::memory_order_relaxed)) return false;
    if (held_by_this_thread()) return false;
    return !role_busy_.exchange(true, std::memory_order_acquire);
}

bool coro_core::acquire_role_until(time_point deadline) noexcept {
    if (held_by_this_thread()) return false;
    unsigned spins = 0;
    while (!try_acquire_role()) {
        if (now() > deadline) return false;
        wait_a_little(spins);
    }
    return true;
}

void coro_core::release_role() noexcept { role_busy_.store(false, std::memory_order_release); }

bool coro_core::held_by_this_thread() const noexcept {
    for (const held_role *r = tls_held_roles; r != nullptr; r = r->outer) {
        if (r->core == this) return true;
    }
    return false;
}

void coro_core::wait_a_little(unsigned &spins) const noexcept {
    // Waiting here is for another thread's worker step or a restart backoff: first spin and
    // yield (a step usually ends within microseconds), then sleep briefly so a long wait
    // does not burn a core. Time-based decisions are made by the caller on the injected
    // clock; this only paces the re-checks.
    if (spins < 128) {
        message_ring::backoff(spins);
    } else {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    ++spins;
}

// ---------------------------------------------------------------------------------------
// Supervisor

std::size_t coro_core::step(time_point t) noexcept {
    step_written_ = 0;
    switch (state_.load(std::memory_order_relaxed)) {
        case coro_worker_state::backing_off:
            if (ticks(t) < restart_at_.load(std::memory_order_relaxed)) return 0;
            // The backoff is over: restart now, and let the new worker run this very step
            // (unlike the original, a restarted worker is never asleep).
            if (!start_worker()) {
                on_crash(t);
                return 0;
            }
            restarts_.fetch_add(1, std::memory_order_relaxed);
            state_.store(coro_worker_state::running, std::memory_order_release);
            break;
        case coro_worker_state::running:
        case coro_worker_state::fallback:
            if (!task_.alive() && !start_worker()) {
                on_crash(t);
                return 0;
            }
            break;
    }
    const worker_task::step result = task_.resume();
    if (result.crashed) on_crash(t);
    return step_written_;
}

bool coro_core::start_worker() noexcept {
    try {
        task_ = worker();  // allocates the coroutine frame
        return true;
    } catch (...) {
        // Out of memory for the frame: treat it as a crash, so backoff and fallback apply.
        return false;
    }
}

// The worker coroutine. Each resumption is one step; a wrapped sink's failure leaves the
// body as worker_crash, which ends the coroutine (the supervisor restarts it).
worker_task coro_core::worker() {
    for (;;) {
        const trigger why = due(now());
        if (why != trigger::none) {
            const bool synchronous =
                state_.load(std::memory_order_relaxed) == coro_worker_state::fallback;
            // A flush asks for every ticket below (request - 1); see coro_core.h.
            const std::uint64_t request = flush_requested_.load(std::memory_order_acquire);
            write_batch(synchronous);
            if (why == trigger::drain && drained(request - 1)) {
                flush_wrapped(synchronous);
                std::uint64_t done = flush_completed_.load(std::memory_order_relaxed);
                while (done < request && !flush_completed_.compare_exchange_weak(
                                             done, request, std::memory_order_release)) {
                }
                if (options_.driver == coro_driver::thread) {
                    std::lock_guard<std::mutex> lock(flush_mutex_);
                    flush_cv_.notify_all();
                }
            } else if (why == trigger::time || flush_retry_) {
                flush_wrapped(synchronous);
            }
        }
        co_yield step_written_;
    }
}

coro_core::trigger coro_core::due(time_point t) const noexcept {
    if (has_current_) return trigger::retry;
    if (flush_requested_.load(std::memory_order_acquire) >
        flush_completed_.load(std::memory_order_acquire)) {
        return trigger::drain;
    }
    if (flush_retry_) return trigger::time;
    if (queued_.load(std::memory_order_acquire) >= options_.batch_size) return trigger::batch;
    const auto oldest = ring_.oldest_stamp();
    if (oldest && ticks(t) - *oldest >= interval_ticks_) return trigger::time;
    return trigger::none;
}

bool coro_core::drained(std::uint64_t target) const noexcept {
    return !has_current_ && ring_.head() >= target;
}

void coro_core::write_batch(bool synchronous) {
    // Each message written is published (count_done) at once: its unit of the bound is
    // released, so a producer blocked for room behind a slow wrapped sink waits for one
    // write, not a whole batch, and drop_oldest / drop_newest never drop while the queue
    // only looks full because written messages were not yet accounted for. (Publishing
    // once per batch was tried: it dropped messages with the ring physically empty.)
    // Declared before the lock, so the reports reach the error handler after it is released.
    deferred_reports reports(*this);
    sinks_lock lock(*this);
    for (std::size_t n = 0; n < options_.batch_size; ++n) {
        if (!has_current_) {
            if (!ring_.pop(&current_, &current_stamp_)) break;
            has_current_ = true;
            current_retry_ = false;
            current_pending_.clear();
        }
        const details::log_msg msg = current_.view();
        bool processed = true;
        if (deliver(msg, current_retry_, current_pending_)) {
            restart_.on_success();
            if (synchronous) leave_fallback();
        } else if (synchronous) {
            processed = route_to_fallback(msg);
        } else {
            // Keep the message (in hand, still counted as queued) and let the worker die.
            current_retry_ = true;
            retry_stamp_.store(current_stamp_, std::memory_order_relaxed);
            throw worker_crash{};
        }
        if (current_retry_) retry_stamp_.store(no_stamp, std::memory_order_relaxed);
        current_.clear();
        has_current_ = false;
        count_done(processed ? 1 : 0, processed ? 0 : 1, true);
        ++step_written_;
    }
}

void coro_core::count_done(std::uint64_t processed,
                           std::uint64_t failed,
                           bool from_queue) noexcept {
    // Seqlock write (the role holder is the only writer): odd while the counters move.
    // The release operations keep the odd store ahead of the counter updates; the final
    // release store publishes them.
    const std::uint64_t seq = counts_seq_.load(std::memory_order_relaxed);
    counts_seq_.store(seq + 1, std::memory_order_relaxed);
    if (processed != 0) {
        processed_.store(processed_.load(std::memory_order_relaxed) + processed,
                         std::memory_order_release);
    }
    if (failed != 0) {
        failed_.store(failed_.load(std::memory_order_relaxed) + failed, std::memory_order_release);
    }
    if (from_queue) queued_.fetch_sub(processed + failed, std::memory_order_release);
    counts_seq_.store(seq + 2, std::memory_order_release);
}

bool coro_core::deliver(const details::log_msg &msg,
                        bool retry,
                        std::vector<sink_ptr> &pending) noexcept {
    if (!retry) {
        for (const sink_ptr &s : sinks_) {
            if (!s->should_log(msg.level)) continue;
            if (!guarded_call([&] { s->log(msg); },
                              [&](const char *what) { sink_failed("log", what); })) {
                pending.push_back(s);
            }
        }
        return pending.empty();
    }
    // A retry: only the sinks that failed, and only those still wrapped.
    // pending holds owning pointers, so a removed-and-freed sink cannot be mistaken for a
    // new one that happens to get the same address.
    auto still_wrapped = [this](const sink_ptr &p) {
        return std::find(sinks_.begin(), sinks_.end(), p) != sinks_.end();
    };
    std::size_t kept = 0;
    for (std::size_t i = 0; i < pending.size(); ++i) {
        sink_ptr s = pending[i];
        if (!still_wrapped(s)) continue;
        if (guarded_call([&] { s->log(msg); },
                         [&](const char *what) { sink_failed("log", what); })) {
            continue;
        }
        pending[kept++] = std::move(s);
    }
    pending.resize(kept);
    return kept == 0;
}

bool coro_core::route_to_fallback(const details::log_msg &msg) noexcept {
    if (options_.fallback_sink &&
        guarded_call([&] { options_.fallback_sink->log(msg); },
                     [&](const char *what) { fallback_failed("log", what); })) {
        fallback_writes_.fetch_add(1, std::memory_order_relaxed);
        return true;
    }
    return false;
}

void coro_core::flush_wrapped(bool synchronous) {
    deferred_reports reports(*this);
    bool failed = false;
    {
        sinks_lock lock(*this);
        for (const sink_ptr &s : sinks_) {
            failed |= !guarded_call([&] { s->flush(); },
                                    [&](const char *what) { sink_failed("flush", what); });
        }
    }
    if (options_.fallback_sink) {
        guarded_call([&] { options_.fallback_sink->flush(); },
                     [&](const char *what) { fallback_failed("flush", what); });
    }
    flush_retry_ = failed && !synchronous;
    if (flush_retry_) throw worker_crash{};
}

void coro_core::sink_failed(const char *operation, const char *what) noexcept {
    backend_errors_.fetch_add(1, std::memory_order_relaxed);
    report(
        [&] { return concat("coro_sink: a wrapped sink threw from ", operation, "(): ", what); });
}

void coro_core::fallback_failed(const char *operation, const char *what) noexcept {
    backend_errors_.fetch_add(1, std::memory_order_relaxed);
    report([&] {
        return concat("coro_sink: the fallback sink threw from ", operation, "(): ", what);
    });
}

void coro_core::on_crash(time_point t) noexcept {
    task_.reset();
    if (restart_.on_failure()) {
        const auto delay = restart_.delay();
        restart_at_.store(ticks(after(t, delay)), std::memory_order_relaxed);
        state_.store(coro_worker_state::backing_off, std::memory_order_release);
        report([&] {
            return concat("coro_sink: worker crashed (", restart_.consecutive_failures(),
                          " consecutive failure(s)); restarting in ", delay);
        });
    } else {
        enter_fallback();
    }
}

void coro_core::enter_fallback() noexcept {
    state_.store(coro_worker_state::fallback, std::memory_order_release);
    fallback_activations_.fetch_add(1, std::memory_order_relaxed);
    report([&] {
        return concat("coro_sink: worker failed ", restart_.consecutive_failures(),
                      " times in a row; falling back to synchronous writing");
    });
}

void coro_core::leave_fallback() noexcept {
    if (state_.load(std::memory_order_relaxed) != coro_worker_state::fallback) return;
    restart_.on_success();
    state_.store(coro_worker_state::running, std::memory_order_release);
    recoveries_.fetch_add(1, std::memory_order_relaxed);
    report([] {
        return std::string(
            "coro_sink: wrapped sinks accept messages again; leaving synchronous fallback");
    });
}

void coro_core::abandon_leftovers() noexcept {
    std::uint64_t processed = 0;
    std::uint64_t failed = 0;
    while (has_current_ || ring_.pop(&current_)) {
        has_current_ = false;
        retry_stamp_.store(no_stamp, std::memory_order_relaxed);
        const bool routed = route_to_fallback(current_.view());
        count_done(routed ? 1 : 0, routed ? 0 : 1, true);
        (routed ? processed : failed) += 1;
        current_.clear();
    }
    if (processed + failed != 0) {
        report([&] {
            return concat("coro_sink destroyed with ", processed + failed,
                          " unwritten messages: ", processed, " sent to the fallback sink, ",
                          failed, " lost");
        });
    }
}

// ---------------------------------------------------------------------------------------
// Flush and poll

std::uint64_t coro_core::request_flush() noexcept {
    const std::uint64_t ticket = ring_.tail() + 1;
    std::uint64_t asked = flush_requested_.load(std::memory_order_relaxed);
    while (asked < ticket &&
           !flush_requested_.compare_exchange_weak(asked, ticket, std::memory_order_seq_cst)) {
    }
    return ticket;
}

bool coro_core::flush_for(std::chrono::milliseconds timeout) noexcept {
    const time_point deadline = after(now(), timeout);
    // From inside a wrapped sink of this very sink, a flush cannot wait for itself.
    if (held_by_this_thread()) return false;
    const std::uint64_t ticket = request_flush();
    bool ok = false;
    // The worker thread itself (an on_event handler delivered there) cannot wait for itself:
    // it takes the role and writes inline, like the cooperative driver.
    if (thread_.joinable() && !stop_.load(std::memory_order_acquire) &&
        std::this_thread::get_id() != thread_.get_id()) {
        // The worker thread does the work; wait for it, re-reading the injected clock.
        wake_worker();
        std::unique_lock<std::mutex> lock(flush_mutex_);
        while (!(ok = flush_done(ticket)) && now() <= deadline) {
            // The slice only paces the re-checks of an injected clock; completion itself
            // is signalled through flush_cv_.
            flush_cv_.wait_for(lock, std::chrono::milliseconds(options_.clock ? 1 : 50));
        }
    } else if (acquire_role_until(deadline)) {
        role_scope role(*this);
        unsigned spins = 0;
        for (;;) {
            const std::size_t written = step(now());
            if ((ok = flush_done(ticket))) break;
            if (now() > deadline) break;
            if (written == 0) wait_a_little(spins);  // backing off, or the head is being copied
        }
    }
    if (!ok) {
        flush_timeouts_.fetch_add(1, std::memory_order_relaxed);
        report([&] {
            return concat("coro_sink: flush timed out after ", timeout, " with ",
                          queued_.load(std::memory_order_relaxed),
                          " messages still queued; they will be written later");
        });
        deliver_events();
    }
    return ok;
}

std::size_t coro_core::poll() noexcept {
    if (!try_acquire_role()) return 0;
    role_scope role(*this);
    return step(now());
}

// ---------------------------------------------------------------------------------------
// Wrapped sinks

void coro_core::set_pattern(const std::string &pattern) {
    set_formatter(std::make_unique<spdlog::pattern_formatter>(pattern));
}

void coro_core::set_formatter(std::unique_ptr<spdlog::formatter> formatter) {
    sinks_lock lock(*this);
    for (const sink_ptr &s : sinks_) s->set_formatter(formatter->clone());
}

void coro_core::add_sink(sink_ptr sink) {
    check_not_null(sink, "add_sink");
    sinks_lock lock(*this);
    sinks_.push_back(std::move(sink));
    // Reserve now, so recording a failure while writing never allocates.
    current_pending_.reserve(sinks_.size());
    direct_pending_.reserve(sinks_.size());
}

void coro_core::remove_sink(const sink_ptr &sink) {
    sinks_lock lock(*this);
    sinks_.erase(std::remove(sinks_.begin(), sinks_.end(), sink), sinks_.end());
}

void coro_core::set_sinks(std::vector<sink_ptr> sinks) {
    for (std::size_t i = 0; i < sinks.size(); ++i) {
        check_not_null(sinks[i], concat("set_sinks: sinks[", i, "]").c_str());
    }
    sinks_lock lock(*this);
    sinks_ = std::move(sinks);
    current_pending_.reserve(sinks_.size());
    direct_pending_.reserve(sinks_.size());
}

std::vector<sink_ptr> coro_core::sinks() const {
    sinks_lock lock(*this);
    return sinks_;
}

coro_sink_stats coro_core::stats() const noexcept {
    coro_sink_stats s;
    const auto relaxed = std::memory_order_relaxed;
    const auto acquire = std::memory_order_acquire;
    // Seqlock read of what the worker moves together (see count_done): retried while the
    // worker is between its two stores.
    for (unsigned spins = 0;; message_ring::backoff(spins++)) {
        const std::uint64_t seq = counts_seq_.load(acquire);
        if ((seq & 1) != 0) continue;
        s.messages_processed = processed_.load(acquire);
        s.messages_failed = failed_.load(acquire) + copy_failures_.load(acquire);
        s.queue_size = queued_.load(acquire);
        s.messages_submitted = ring_.tail() + bypassed_.load(acquire);
        if (counts_seq_.load(relaxed) == seq) break;
    }
    s.queue_overflows = evicted_.load(relaxed) + rejected_.load(relaxed);
    s.block_timeouts = block_timeouts_.load(relaxed);
    s.messages_dropped = s.queue_overflows + s.block_timeouts;
    s.worker_restarts = restarts_.load(relaxed);
    s.backend_errors = backend_errors_.load(relaxed);
    s.flush_timeouts = flush_timeouts_.load(relaxed);
    s.fallback_writes = fallback_writes_.load(relaxed);
    s.fallback_activations = fallback_activations_.load(relaxed);
    s.fallback_recoveries = recoveries_.load(relaxed);
    s.queue_high_water = high_water_.load(relaxed);
    s.queue_capacity = options_.max_queue_size;
    s.worker_state = state_.load(relaxed);
    s.fallback_active = s.worker_state == coro_worker_state::fallback;
    std::int64_t oldest = retry_stamp_.load(relaxed);
    if (const auto in_ring = ring_.oldest_stamp();
        in_ring && (oldest == no_stamp || *in_ring < oldest)) {
        oldest = *in_ring;
    }
    if (oldest != no_stamp && s.queue_size != 0) {
        s.oldest_message_age =
            std::chrono::nanoseconds(std::max<std::int64_t>(0, ticks(now()) - oldest));
    }
    return s;
}

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
