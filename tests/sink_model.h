// sink_model.h - a reference model of coro_sink for the model-based test (test_model.cpp).
//
// A plain std::deque plus the rules of docs/design.md, for one thread and the cooperative and
// manual drivers: triggers (batch, time, flush tickets), one worker step per resumption,
// overflow at exactly max_queue_size (drop_oldest / drop_newest / block), crash -> restart
// after restart_backoff * 2^(f-1) (capped) on the injected clock, fallback after
// max_restarts consecutive failures (fallback_sink or messages_failed), recovery when a
// message is accepted by every wrapped sink, and at-most-once delivery per wrapped sink (a
// retry goes only to the sinks that failed and are still wrapped).
//
// Time is in integer milliseconds since the test's start. Two clock modes:
//   - frozen: every read of the clock during an operation returns `now`;
//   - jump: every read advances the clock by an hour (fake_clock auto-step), used for the
//     operations that must wait (flush, flush_for, a producer blocked for room). The model
//     does not count clock reads: in jump mode every backoff has expired at the next
//     step(now()), every queued message is due by age, and a producer's block_timeout has
//     passed after its first failed attempt. The test re-reads the clock afterwards.

#pragma once

#include <spdlog/sinks/coro_sink_options.h>
#include <spdlog/sinks/coro_sink_stats.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace model {

using spdlog::sinks::coro_driver;
using spdlog::sinks::coro_worker_state;
using spdlog::sinks::overflow_strategy;

constexpr std::int64_t jump_time = std::int64_t(1) << 50;  // "hours later" in jump mode
constexpr std::int64_t hour = 3600000;

struct config {
    coro_driver driver = coro_driver::cooperative;
    overflow_strategy overflow = overflow_strategy::drop_oldest;
    std::size_t max_queue_size = 8;
    std::size_t batch_size = 3;
    std::int64_t flush_interval = 20;
    std::size_t max_restarts = 3;
    std::int64_t restart_backoff = 2;
    std::int64_t max_restart_backoff = 16;
    std::int64_t block_timeout = 0;
    bool fallback_sink = false;
};

// One wrapped test_sink as the model sees it (mirrors test_sink's failure rules).
struct sink_state {
    bool fail_always = false;
    std::size_t fail_next = 0;
    std::size_t flush_fail_next = 0;
    std::vector<int> received;

    bool log_fails() {
        if (fail_always) return true;
        if (fail_next > 0) {
            --fail_next;
            return true;
        }
        return false;
    }
};

struct message {
    int id;
    std::int64_t stamp;
};

// Thrown by a frozen-clock operation that would make the real sink wait forever.
struct would_wait {};

class sink_model {
public:
    sink_model(config c, std::size_t pool_size, std::vector<int> wrapped)
        : cfg(c),
          sinks(pool_size),
          wrapped_(std::move(wrapped)) {}

    config cfg;
    std::vector<sink_state> sinks;  // the pool: wrapped or not
    std::vector<int> fallback_received;
    std::int64_t now = 0;

    // --- counters (coro_sink_stats) ---
    std::uint64_t submitted = 0, processed = 0, failed = 0, overflows = 0, block_timeouts = 0,
                  restarts = 0, backend_errors = 0, flush_timeouts = 0, fallback_writes = 0,
                  fallback_activations = 0;
    std::size_t high_water = 0;

    coro_worker_state state = coro_worker_state::running;
    std::int64_t restart_at = 0;

    std::size_t queue_size() const { return ring_.size() + (has_current_ ? 1 : 0); }
    const std::vector<int> &wrapped() const { return wrapped_; }
    bool is_wrapped(int s) const {
        return std::find(wrapped_.begin(), wrapped_.end(), s) != wrapped_.end();
    }
    void add_sink(int s) { wrapped_.push_back(s); }
    void remove_sink(int s) {
        wrapped_.erase(std::remove(wrapped_.begin(), wrapped_.end(), s), wrapped_.end());
    }

    // --- operations; `jump` selects the clock mode (see the file comment) ---

    void log(int id, bool jump) {
        ++submitted;
        if (state == coro_worker_state::fallback && cfg.driver != coro_driver::manual) {
            log_synchronously(id);
            return;
        }
        jump_ = jump;
        const std::int64_t stamp = now;  // the first clock read
        if (!make_room()) return;
        ring_.push_back({id, stamp});
        ++tail_;
        high_water = std::max(high_water, queue_size());
        if (cfg.driver == coro_driver::cooperative) maybe_step(stamp);
    }

    std::size_t poll() {
        jump_ = false;
        return step(read());
    }

    // flush() (complete = true, jump mode, never times out) or flush_for(short timeout) in
    // jump mode (exactly one step, then the deadline has passed).
    bool flush(bool complete) {
        jump_ = true;
        const std::uint64_t ticket = tail_ + 1;
        flush_requested_ = std::max(flush_requested_, ticket);
        bool ok = false;
        for (int guard = 0;; ++guard) {
            if (guard > 100000) throw std::logic_error("model: flush does not end");
            step(read());
            if ((ok = flush_completed_ >= ticket)) break;
            if (!complete) break;
        }
        if (!ok) ++flush_timeouts;
        return ok;
    }

    // After a jump-mode operation the exact restart time is unknown (the crash happened at
    // some read in the jump); the test advances the clock by max_restart_backoff, which
    // makes it due, and calls this.
    void restart_due_now() { restart_at = now; }

private:
    enum class trigger { none, retry, drain, time, batch };

    // A clock read inside an operation.
    std::int64_t read() { return jump_ ? (jump_clock_ += hour) : now; }

    bool make_room() {
        for (int guard = 0;; ++guard) {
            if (guard > 100000) throw std::logic_error("model: make_room does not end");
            if (queue_size() < cfg.max_queue_size) return true;
            switch (cfg.overflow) {
                case overflow_strategy::drop_newest:
                    ++overflows;
                    return false;
                case overflow_strategy::drop_oldest:
                    ++overflows;
                    if (ring_.empty()) return false;  // only the parked message: reject
                    ring_.pop_front();                // evict the oldest not in hand
                    return true;
                case overflow_strategy::block:
                    break;
            }
            const std::size_t written = step(read());
            if (written != 0) continue;
            if (!jump_) {
                // The real producer re-checks on a frozen clock: it waits forever while the
                // worker backs off (block_timeout never passes either). In fallback, or with
                // a zero backoff, the next step makes progress.
                if (state == coro_worker_state::backing_off && now < restart_at) throw would_wait{};
                continue;
            }
            if (cfg.block_timeout > 0) {
                ++block_timeouts;
                return false;
            }
        }
    }

    void maybe_step(std::int64_t stamp) {
        bool is_due = queue_size() >= cfg.batch_size;
        if (!is_due) {
            switch (state) {
                case coro_worker_state::running:
                    is_due = !ring_.empty() && stamp - ring_.front().stamp >= cfg.flush_interval;
                    break;
                case coro_worker_state::backing_off:
                    is_due = stamp >= restart_at;
                    break;
                case coro_worker_state::fallback:
                    is_due = true;
                    break;
            }
        }
        if (is_due) step(stamp);
    }

    void log_synchronously(int id) {
        const std::uint64_t target = tail_;
        while (has_current_ || head() < target) write_batch(true);
        bool accepted = true;
        for (int s : wrapped_) {
            if (sinks[s].log_fails()) {
                ++backend_errors;
                accepted = false;
            } else {
                sinks[s].received.push_back(id);
            }
        }
        const bool ok = accepted || route_to_fallback(id);
        (ok ? processed : failed) += 1;
        if (accepted) leave_fallback();
    }

    // One resumption of the worker. t: the supervisor's time (backoff); the worker reads
    // the clock again for its trigger.
    std::size_t step(std::int64_t t) {
        written_ = 0;
        if (state == coro_worker_state::backing_off) {
            if (t < restart_at) return 0;
            ++restarts;
            state = coro_worker_state::running;
            alive_ = true;
        } else if (!alive_) {
            alive_ = true;
        }
        try {
            const trigger why = due(read());
            if (why != trigger::none) {
                const bool synchronous = state == coro_worker_state::fallback;
                const std::uint64_t request = flush_requested_;
                write_batch(synchronous);
                if (why == trigger::drain && drained(request - 1)) {
                    flush_wrapped(synchronous);
                    flush_completed_ = std::max(flush_completed_, request);
                } else if (why == trigger::time || flush_retry_) {
                    flush_wrapped(synchronous);
                }
            }
        } catch (const crash &) {
            on_crash(t);
        }
        return written_;
    }

    struct crash {};

    trigger due(std::int64_t t) const {
        if (has_current_) return trigger::retry;
        if (flush_requested_ > flush_completed_) return trigger::drain;
        if (flush_retry_) return trigger::time;
        if (queue_size() >= cfg.batch_size) return trigger::batch;
        if (!ring_.empty() && t - ring_.front().stamp >= cfg.flush_interval) return trigger::time;
        return trigger::none;
    }

    std::uint64_t head() const { return tail_ - ring_.size(); }
    bool drained(std::uint64_t target) const { return !has_current_ && head() >= target; }

    void write_batch(bool synchronous) {
        for (std::size_t n = 0; n < cfg.batch_size; ++n) {
            if (!has_current_) {
                if (ring_.empty()) break;
                current_ = ring_.front();
                ring_.pop_front();
                has_current_ = true;
                retry_ = false;
                pending_.clear();
            }
            bool ok = true;
            if (deliver(current_.id)) {
                failures_ = 0;
                if (synchronous) leave_fallback();
            } else if (synchronous) {
                ok = route_to_fallback(current_.id);
            } else {
                retry_ = true;
                throw crash{};
            }
            has_current_ = false;
            (ok ? processed : failed) += 1;
            ++written_;
        }
    }

    // Offers the current message; true when no wrapped sink still owes it.
    bool deliver(int id) {
        if (!retry_) {
            for (int s : wrapped_) {
                if (sinks[s].log_fails()) {
                    ++backend_errors;
                    pending_.push_back(s);
                } else {
                    sinks[s].received.push_back(id);
                }
            }
            return pending_.empty();
        }
        std::vector<int> kept;
        for (int s : pending_) {
            if (!is_wrapped(s)) continue;
            if (sinks[s].log_fails()) {
                ++backend_errors;
                kept.push_back(s);
            } else {
                sinks[s].received.push_back(id);
            }
        }
        pending_ = kept;
        return pending_.empty();
    }

    bool route_to_fallback(int id) {
        if (!cfg.fallback_sink) return false;
        fallback_received.push_back(id);
        ++fallback_writes;
        return true;
    }

    void flush_wrapped(bool synchronous) {
        bool any_failed = false;
        for (int s : wrapped_) {
            if (sinks[s].flush_fail_next > 0) {
                --sinks[s].flush_fail_next;
                ++backend_errors;
                any_failed = true;
            }
        }
        flush_retry_ = any_failed && !synchronous;
        if (flush_retry_) throw crash{};
    }

    void on_crash(std::int64_t t) {
        alive_ = false;
        ++failures_;
        if (failures_ <= cfg.max_restarts) {
            restart_at = t + delay();
            state = coro_worker_state::backing_off;
        } else {
            state = coro_worker_state::fallback;
            ++fallback_activations;
        }
    }

    // restart_backoff * 2^(f-1), capped at max_restart_backoff.
    std::int64_t delay() const {
        std::int64_t d = cfg.restart_backoff;
        for (std::size_t i = 1; i < failures_ && d < cfg.max_restart_backoff; ++i) d *= 2;
        return std::min(d, cfg.max_restart_backoff);
    }

    void leave_fallback() {
        if (state != coro_worker_state::fallback) return;
        failures_ = 0;
        state = coro_worker_state::running;
    }

    std::vector<int> wrapped_;
    std::deque<message> ring_;  // queued, not in the worker's hands
    message current_{0, 0};     // in the worker's hands (parked after a failure)
    bool has_current_ = false;
    bool retry_ = false;
    std::vector<int> pending_;  // wrapped sinks that still owe current_
    bool alive_ = false;
    std::size_t failures_ = 0;
    bool flush_retry_ = false;
    std::uint64_t tail_ = 0;  // messages that entered the ring
    std::uint64_t flush_requested_ = 0, flush_completed_ = 0;
    std::size_t written_ = 0;
    bool jump_ = false;
    std::int64_t jump_clock_ = jump_time;
};

}  // namespace model
