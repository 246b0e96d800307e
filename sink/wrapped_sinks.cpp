// wrapped_sinks.cpp - delivery to the wrapped sinks and the fallback sink (see the header).

#include "wrapped_sinks.h"

#include "guarded_call.h"
#include "text.h"

#include <spdlog/common.h>

#include <algorithm>
#include <utility>

namespace spdlog {
namespace sinks {
namespace coro_detail {

namespace {
void check_not_null(const sink_ptr &sink, const std::string &where) {
    if (!sink) {
        throw_spdlog_ex(concat("coro_sink: ", where,
                               ": a wrapped sink is null; pass a valid spdlog::sink_ptr"));
    }
}
void check_none_null(const std::vector<sink_ptr> &sinks, const char *where) {
    for (std::size_t i = 0; i < sinks.size(); ++i) {
        check_not_null(sinks[i], concat(where, "[", i, "]"));
    }
}
}  // namespace

wrapped_sinks::wrapped_sinks(std::vector<sink_ptr> sinks,
                             sink_ptr fallback,
                             bool thread_safe,
                             ledger &counts,
                             sink_reports &reports)
    : thread_safe_(thread_safe),
      fallback_(std::move(fallback)),
      counts_(counts),
      reports_(reports),
      sinks_(std::move(sinks)) {
    check_none_null(sinks_, "sinks");
}

void wrapped_sinks::failed(const char *which, const char *operation, const char *what) noexcept {
    counts_.count(tally::backend_error);
    reports_.report(
        [&] { return concat("coro_sink: ", which, " threw from ", operation, "(): ", what); });
}

bool wrapped_sinks::deliver(const details::log_msg &msg,
                            bool retry,
                            std::vector<sink_ptr> &pending) noexcept {
    auto log_to = [&](const sink_ptr &s) {
        return guarded_call([&] { s->log(msg); },
                            [&](const char *what) { failed("a wrapped sink", "log", what); });
    };
    if (!retry) {
        for (const sink_ptr &s : sinks_) {
            if (s->should_log(msg.level) && !log_to(s)) pending.push_back(s);
        }
        return pending.empty();
    }
    // A retry: only the sinks that failed, and only those still wrapped. pending holds
    // owning pointers, so a removed-and-freed sink cannot be mistaken for a new one that
    // happens to get the same address.
    std::size_t kept = 0;
    for (std::size_t i = 0; i < pending.size(); ++i) {
        sink_ptr s = pending[i];
        if (std::find(sinks_.begin(), sinks_.end(), s) == sinks_.end()) continue;
        if (log_to(s)) continue;
        pending[kept++] = std::move(s);
    }
    pending.resize(kept);
    return kept == 0;
}

bool wrapped_sinks::offer_fallback(const details::log_msg &msg) noexcept {
    if (fallback_ &&
        guarded_call([&] { fallback_->log(msg); },
                     [&](const char *what) { failed("the fallback sink", "log", what); })) {
        counts_.count(tally::fallback_write);
        return true;
    }
    return false;
}

bool wrapped_sinks::flush_all() noexcept {
    bool ok = true;
    {
        lock held(*this);
        for (const sink_ptr &s : sinks_) {
            ok &= guarded_call([&] { s->flush(); },
                               [&](const char *what) { failed("a wrapped sink", "flush", what); });
        }
    }
    if (fallback_) {
        guarded_call([&] { fallback_->flush(); },
                     [&](const char *what) { failed("the fallback sink", "flush", what); });
    }
    return ok;
}

bool wrapped_sinks::fallback_quietly(const details::log_msg *msg) noexcept {
    if (!fallback_) return false;
    return guarded_call(
        [&] {
            if (msg != nullptr) {
                fallback_->log(*msg);
            } else {
                fallback_->flush();
            }
        },
        [&](const char *) { counts_.count(tally::backend_error); });
}

void wrapped_sinks::track(std::vector<sink_ptr> &pending) {
    lock held(*this);
    tracked_[tracked_[0] == nullptr ? 0 : 1] = &pending;
    pending.reserve(sinks_.size());
}

void wrapped_sinks::reserve_tracked() {
    for (std::vector<sink_ptr> *pending : tracked_) {
        if (pending != nullptr) pending->reserve(sinks_.size());
    }
}

void wrapped_sinks::set_formatter(std::unique_ptr<spdlog::formatter> formatter) {
    lock held(*this);
    for (const sink_ptr &s : sinks_) s->set_formatter(formatter->clone());
}

void wrapped_sinks::add(sink_ptr sink) {
    check_not_null(sink, "add_sink");
    lock held(*this);
    sinks_.push_back(std::move(sink));
    reserve_tracked();  // now, so recording a failure while writing never allocates
}

void wrapped_sinks::remove(const sink_ptr &sink) {
    lock held(*this);
    sinks_.erase(std::remove(sinks_.begin(), sinks_.end(), sink), sinks_.end());
}

void wrapped_sinks::set(std::vector<sink_ptr> sinks) {
    check_none_null(sinks, "set_sinks: sinks");
    lock held(*this);
    sinks_ = std::move(sinks);
    reserve_tracked();
}

std::vector<sink_ptr> wrapped_sinks::copy() const {
    lock held(*this);
    return sinks_;
}

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
