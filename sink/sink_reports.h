// sink_reports.h - the sink's error reports, deferred while the wrapped sinks are locked.
//
// The role holder reports failures while it holds the wrapped sinks' lock (a sink threw in
// the middle of a batch). A user error handler may call add_sink / remove_sink /
// set_pattern, which take that lock: so while a deferral is open the holder's reports are
// kept and delivered when it closes, after the lock is released. Other threads report at
// once (they never hold that lock while reporting).

#pragma once

#include "error_reporter.h"
#include "worker_role.h"

#include <string>
#include <utility>
#include <vector>

namespace spdlog {
namespace sinks {
namespace coro_detail {

class sink_reports {
public:
    sink_reports(err_handler handler, error_reporter::clock_fn clock, const worker_role &role)
        : errors_(std::move(handler), std::move(clock)),
          role_(role) {}

    // Reports the message `build()` returns. Blocks: in the user's error handler (or on
    // stderr), unless deferred. Allocates: the message. Throws: never (not even bad_alloc).
    // Threads: any.
    template <typename Build>
    void report(Build &&build) noexcept {
        try {
            // held_by_this_thread() first: only the role holder writes defer_, so other
            // threads must not read it.
            if (role_.held_by_this_thread() && defer_) {
                deferred_.push_back(build());
            } else {
                errors_.report(build());
            }
        } catch (...) {
        }
    }

    // Defers the role holder's reports for a scope. Declare it before the wrapped sinks'
    // lock it protects, so it is destroyed (and delivers) after the lock is released.
    // Role holder only.
    class deferral {
    public:
        explicit deferral(sink_reports &reports) noexcept
            : reports_(reports),
              outer_(reports.defer_) {
            reports_.defer_ = true;
        }
        ~deferral() {
            reports_.defer_ = outer_;
            if (outer_) return;  // an enclosing scope delivers them
            for (const std::string &message : reports_.deferred_) reports_.errors_.report(message);
            reports_.deferred_.clear();
        }
        deferral(const deferral &) = delete;
        deferral &operator=(const deferral &) = delete;

    private:
        sink_reports &reports_;
        bool outer_;
    };

private:
    error_reporter errors_;
    const worker_role &role_;
    bool defer_ = false;  // role holder only
    std::vector<std::string> deferred_;
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
