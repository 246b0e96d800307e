// worker_role.h - who may run the worker: the role holder, tracked per thread.
//
// At most one thread holds a core's worker role (coro_core::role_busy_, a try-lock flag).
// Each thread also keeps the list of roles it holds, innermost first, because a wrapped
// sink may log into (or flush) the very sink that is calling it, or into another coro_sink
// whose worker is further up the stack: such a call must not wait for a role its own thread
// already holds. The list lives on the stack of the role_scope objects; no allocation.

#pragma once

#include "coro_core.h"

#include <mutex>

namespace spdlog {
namespace sinks {
namespace coro_detail {

struct held_role {
    const coro_core *core;
    held_role *outer;
};
extern thread_local held_role *tls_held_roles;

// Holds an already acquired worker role for a scope, registers it in tls_held_roles, and
// releases it on exit.
class coro_core::role_scope {
public:
    // quiet: the crash drain's scope, which must not run user callbacks (on_event, the
    // scheduler) from a signal handler.
    explicit role_scope(coro_core &core, bool quiet = false) noexcept
        : core_(core),
          node_{&core, tls_held_roles},
          quiet_(quiet) {
        tls_held_roles = &node_;
    }
    ~role_scope() {
        tls_held_roles = node_.outer;
        core_.release_role();
        if (quiet_) return;
        // What the step noticed (a restart, a fallback, ...) reaches on_event now, outside
        // the role, so the handler may flush or log into this very sink.
        core_.deliver_events();
        // A resumption of the event-loop driver that found the role taken asked for another.
        core_.resume_after_role_released();
    }
    role_scope(const role_scope &) = delete;
    role_scope &operator=(const role_scope &) = delete;

private:
    coro_core &core_;
    held_role node_;
    bool quiet_;
};

// Locks sinks_mutex_ unless the sink is single-threaded (coro_sink_st).
class coro_core::sinks_lock {
public:
    explicit sinks_lock(const coro_core &core)
        : lock_(core.sinks_mutex_, std::defer_lock) {
        if (core.thread_safe_) lock_.lock();
    }

private:
    std::unique_lock<std::mutex> lock_;
};

// Defers the role holder's error reports while it holds the wrapped sinks' lock, and
// delivers them when the scope ends. Declare it before the sinks_lock it protects, so it is
// destroyed (and delivers) after the lock is released.
class coro_core::deferred_reports {
public:
    explicit deferred_reports(coro_core &core) noexcept
        : core_(core),
          outer_(core.defer_reports_) {
        core_.defer_reports_ = true;
    }
    ~deferred_reports() {
        core_.defer_reports_ = outer_;
        if (outer_) return;  // an enclosing scope delivers them
        for (const std::string &message : core_.deferred_reports_) core_.errors_.report(message);
        core_.deferred_reports_.clear();
    }
    deferred_reports(const deferred_reports &) = delete;
    deferred_reports &operator=(const deferred_reports &) = delete;

private:
    coro_core &core_;
    bool outer_;
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
