// fake_clock.h - a manual, thread-safe clock for coro_sink_options::clock.
//
// Every time-based rule of the sink (flush interval, restart backoff, flush and block
// timeouts, error rate limit) reads options.clock, so tests drive time by hand and never
// sleep:
//
//     auto clock = std::make_shared<fake_clock>();
//     options.clock = clock->source();      // the sink keeps the clock alive
//     clock->advance(std::chrono::milliseconds(10));
//
// Auto-step mode makes every read advance the clock by a fixed step. Use it where the sink
// itself must wait (a flush waiting out a restart backoff, a producer under
// overflow_strategy::block with block_timeout, a destructor bounded by flush_timeout): the
// sink's wait loops re-read the clock, so time passes exactly as fast as the sink looks at it.

#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>

class fake_clock : public std::enable_shared_from_this<fake_clock> {
public:
    using time_point = std::chrono::steady_clock::time_point;

    // Starts at an arbitrary, non-zero point so that "time 0" is never special.
    fake_clock()
        : now_(time_point{} + std::chrono::hours(1)) {}

    // The current time; in auto-step mode the clock then moves on by the step.
    time_point now() {
        std::lock_guard<std::mutex> lock(mutex_);
        ++reads_;
        const time_point t = now_;
        now_ += step_;
        return t;
    }

    // The current time without counting as a read and without auto-stepping.
    time_point peek() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return now_;
    }

    void advance(std::chrono::milliseconds d) {
        std::lock_guard<std::mutex> lock(mutex_);
        now_ += d;
    }

    // 0 turns auto-step off.
    void set_auto_step(std::chrono::milliseconds step) {
        std::lock_guard<std::mutex> lock(mutex_);
        step_ = step;
    }

    std::uint64_t reads() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return reads_;
    }

    // A function for coro_sink_options::clock; it holds the clock alive.
    std::function<time_point()> source() {
        auto self = shared_from_this();
        return [self] { return self->now(); };
    }

private:
    mutable std::mutex mutex_;
    time_point now_;
    std::chrono::milliseconds step_{0};
    std::uint64_t reads_ = 0;
};

// Switches the clock to auto-step (1 ms per read) when it goes out of scope. Declare it right
// after the sink in a test that may end with the worker backing off: the sink's destructor
// waits out the backoff on this clock, which would take forever on a frozen clock (it matters
// most when an assertion failed and left the sink in an unexpected state).
class let_time_run_at_exit {
public:
    explicit let_time_run_at_exit(std::shared_ptr<fake_clock> clock)
        : clock_(std::move(clock)) {}
    ~let_time_run_at_exit() { clock_->set_auto_step(std::chrono::milliseconds(1)); }
    let_time_run_at_exit(const let_time_run_at_exit &) = delete;
    let_time_run_at_exit &operator=(const let_time_run_at_exit &) = delete;

private:
    std::shared_ptr<fake_clock> clock_;
};
