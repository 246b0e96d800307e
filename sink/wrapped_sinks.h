// wrapped_sinks.h - the sinks coro_sink writes to, and its fallback sink: what spdlog's
// dist_sink does (the list, its lock, delivery, flush, formatters, add / remove / set),
// plus the two rules of failure: a sink that throws is counted and reported, and a retry
// reaches only the sinks that failed, so each sink gets each message at most once.
//
// Lock: the list is guarded by mutex_ unless the sink is single-threaded (coro_sink_st with
// a driver that writes on the caller's threads). Lock order: the worker role, then mutex_.

#pragma once

#include "ledger.h"
#include "sink_reports.h"

#include <spdlog/details/log_msg.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/sink.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace spdlog {
namespace sinks {
namespace coro_detail {

class wrapped_sinks {
public:
    // Throws spdlog_ex naming the index of a null sink. Allocates.
    wrapped_sinks(std::vector<sink_ptr> sinks,
                  sink_ptr fallback,
                  bool thread_safe,
                  ledger &counts,
                  sink_reports &reports);

    // Holds the list for a scope (nothing when single-threaded).
    class lock {
    public:
        explicit lock(const wrapped_sinks &sinks)
            : lock_(sinks.mutex_, std::defer_lock) {
            if (sinks.thread_safe_) lock_.lock();
        }

    private:
        std::unique_lock<std::mutex> lock_;
    };

    // Offers `msg` to the sinks whose level admits it; when `retry` is set, only to those in
    // `pending` (the ones that failed last time, and are still wrapped). Sinks that throw
    // are counted, reported and left in `pending`. Returns true when none is left. Blocks:
    // in the sinks. Allocates: never (pending is kept reserved, see track). Throws: never.
    // Threads: the caller holds `lock`.
    bool deliver(const details::log_msg &msg, bool retry, std::vector<sink_ptr> &pending) noexcept;
    // Gives `msg` to the fallback sink: true (and counted as a fallback write) when it took
    // it. Blocks: in that sink. Throws: never. Threads: the role holder.
    bool offer_fallback(const details::log_msg &msg) noexcept;
    bool has_fallback() const noexcept { return static_cast<bool>(fallback_); }
    // Flushes every wrapped sink (under the lock), then the fallback sink. Returns false when
    // a wrapped sink's flush threw. Blocks: in the sinks. Throws: never. Threads: role holder.
    bool flush_all() noexcept;
    // For a dying process (the crash drain, maybe in a signal handler): the fallback sink's
    // log / flush, with a failure only counted, never reported. Throws: never.
    bool fallback_quietly(const details::log_msg *msg) noexcept;

    // `pending` is kept reserved to the list's size, so recording a failure never
    // allocates. Call before the first delivery; at most two lists.
    void track(std::vector<sink_ptr> &pending);

    // The list's API (coro_sink's add_sink & co.). Block: on the lock, so while a batch is
    // being written. set_formatter gives each sink its own clone. Throw: spdlog_ex on a null
    // sink; what the sinks' set_formatter throws. Allocate. Threads: any.
    void set_formatter(std::unique_ptr<spdlog::formatter> formatter);
    void add(sink_ptr sink);
    void remove(const sink_ptr &sink);
    void set(std::vector<sink_ptr> sinks);
    std::vector<sink_ptr> copy() const;

private:
    void failed(const char *which, const char *operation, const char *what) noexcept;
    void reserve_tracked();  // caller holds the lock

    const bool thread_safe_;
    const sink_ptr fallback_;
    ledger &counts_;
    sink_reports &reports_;
    mutable std::mutex mutex_;
    std::vector<sink_ptr> sinks_;
    std::vector<sink_ptr> *tracked_[2] = {nullptr, nullptr};
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
