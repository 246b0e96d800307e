// fake_loop.h - a hand-driven event loop for coro_driver::event_loop tests.
//
// It records every resumption the sink hands over, with the injected-clock time it is due
// at, and runs them only when the test says so, so every step of the driver is visible:
//
//     auto loop = std::make_shared<fake_loop>(clock);
//     options.driver = coro_driver::event_loop;
//     options.scheduler = loop->scheduler();
//     ...
//     loop->run_due();  // runs what is due now (and what those runs schedule for now)

#pragma once

#include "fake_clock.h"

#include <spdlog/sinks/coro_event_loop.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

class fake_loop : public std::enable_shared_from_this<fake_loop> {
public:
    explicit fake_loop(std::shared_ptr<fake_clock> clock)
        : clock_(std::move(clock)) {}

    // A scheduler for coro_sink_options; it keeps the loop alive.
    spdlog::sinks::coro_scheduler scheduler() {
        auto self = shared_from_this();
        return [self](spdlog::sinks::coro_resume resume, std::chrono::nanoseconds delay) {
            self->schedule(std::move(resume), delay);
        };
    }

    void schedule(spdlog::sinks::coro_resume resume, std::chrono::nanoseconds delay) {
        std::lock_guard<std::mutex> lock(mutex_);
        delays_.push_back(delay);
        pending_.push_back({clock_->peek() + delay, std::move(resume)});
    }

    // Runs the resumptions due now, earliest first, including those they schedule for now.
    // Returns how many ran.
    std::size_t run_due() {
        std::size_t ran = 0;
        for (;;) {
            std::vector<item> due;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                const auto now = clock_->peek();
                auto not_due = std::stable_partition(pending_.begin(), pending_.end(),
                                                     [&](const item &i) { return i.at <= now; });
                due.assign(pending_.begin(), not_due);
                pending_.erase(pending_.begin(), not_due);
            }
            if (due.empty()) return ran;
            std::stable_sort(due.begin(), due.end(),
                             [](const item &a, const item &b) { return a.at < b.at; });
            for (const item &i : due) {
                i.resume();
                ++ran;
            }
        }
    }

    // Every delay the sink asked for, in order.
    std::vector<std::chrono::nanoseconds> delays() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return delays_;
    }
    std::size_t outstanding() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return pending_.size();
    }
    // Takes the outstanding resumptions out of the loop (to call them later, or never).
    std::vector<spdlog::sinks::coro_resume> take_all() {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<spdlog::sinks::coro_resume> out;
        for (item &i : pending_) out.push_back(std::move(i.resume));
        pending_.clear();
        return out;
    }

private:
    struct item {
        fake_clock::time_point at;
        spdlog::sinks::coro_resume resume;
    };
    std::shared_ptr<fake_clock> clock_;
    mutable std::mutex mutex_;
    std::vector<item> pending_;
    std::vector<std::chrono::nanoseconds> delays_;
};
