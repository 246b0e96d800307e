// test_sink.h - the shared recording sink of the test suite, and small helpers.
//
// test_sink records every message it accepts (copies of payload and logger name, level,
// time, thread id, source location, and the formatted line), counts flushes, detects
// overlapping calls, can be told to throw from log() (always, the next N calls, every Nth
// call, whenever a condition holds) or from flush(), and can call a hook after each accepted
// message (to log back into a logger, advance a fake clock, or block). The hook runs outside the
// sink's lock, so it may re-enter the sink. All accessors are thread-safe.
//
//     auto out = std::make_shared<test_sink>();
//     out->fail_next(2);                         // the next two log() calls throw
//     auto coro = std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{out}, opts);
//     ...
//     CHECK(out->payloads() == numbered("m", 1, 3));

#pragma once

#include "catch.h"

#include <spdlog/common.h>
#include <spdlog/details/log_msg.h>
#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/coro_sink.h>
#include <spdlog/sinks/sink.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

// One message as a wrapped sink saw it.
struct recorded_msg {
    std::string payload;
    std::string logger_name;
    spdlog::level::level_enum level = spdlog::level::off;
    spdlog::log_clock::time_point time;
    std::size_t thread_id = 0;
    std::string source_file;  // empty when the message had no source location
    int source_line = 0;
    std::string source_func;
    std::string formatted;  // the line this sink's formatter produced
};

// What a failing test_sink throws.
enum class failure_kind {
    runtime_error,  // std::runtime_error(failure_text())
    bad_alloc,      // std::bad_alloc
    non_standard,   // an int: not derived from std::exception
};

class test_sink : public spdlog::sinks::sink {
public:
    test_sink()
        : formatter_(std::make_unique<spdlog::pattern_formatter>()) {}

    // --- spdlog::sinks::sink -------------------------------------------------------------

    void log(const spdlog::details::log_msg &msg) override {
        concurrency_guard guard(*this);
        recorded_msg rec;
        std::function<void(const recorded_msg &)> hook;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            ++log_attempts_;
            if (should_fail_log_locked()) {
                ++log_failures_;
                throw_failure_locked(log_kind_);
            }
            rec.payload.assign(msg.payload.data(), msg.payload.size());
            rec.logger_name.assign(msg.logger_name.data(), msg.logger_name.size());
            rec.level = msg.level;
            rec.time = msg.time;
            rec.thread_id = msg.thread_id;
            if (msg.source.filename != nullptr) rec.source_file = msg.source.filename;
            rec.source_line = msg.source.line;
            if (msg.source.funcname != nullptr) rec.source_func = msg.source.funcname;
            spdlog::memory_buf_t buf;
            formatter_->format(msg, buf);
            rec.formatted.assign(buf.data(), buf.size());
            messages_.push_back(rec);
            hook = hook_;
        }
        if (hook) hook(rec);
    }

    void flush() override {
        concurrency_guard guard(*this);
        std::lock_guard<std::mutex> lock(mutex_);
        ++flush_attempts_;
        if (flush_fail_always_ || flush_fail_next_ > 0) {
            if (flush_fail_next_ > 0) --flush_fail_next_;
            ++flush_failures_;
            throw std::runtime_error(failure_text_ + " (flush)");
        }
        ++flush_count_;
        size_at_last_flush_ = messages_.size();
    }

    void set_pattern(const std::string &pattern) override {
        std::lock_guard<std::mutex> lock(mutex_);
        formatter_ = std::make_unique<spdlog::pattern_formatter>(pattern);
    }

    void set_formatter(std::unique_ptr<spdlog::formatter> sink_formatter) override {
        std::lock_guard<std::mutex> lock(mutex_);
        formatter_ = std::move(sink_formatter);
    }

    // --- failure injection ---------------------------------------------------------------

    // Every log() call throws while on.
    void fail_always(bool on, failure_kind kind = failure_kind::runtime_error) {
        std::lock_guard<std::mutex> lock(mutex_);
        fail_always_ = on;
        log_kind_ = kind;
    }
    // The next n log() calls throw.
    void fail_next(std::size_t n, failure_kind kind = failure_kind::runtime_error) {
        std::lock_guard<std::mutex> lock(mutex_);
        fail_next_ = n;
        log_kind_ = kind;
    }
    // Every nth log() call (counting all calls since construction, from 1) throws; 0 = off.
    void fail_every(std::size_t n, failure_kind kind = failure_kind::runtime_error) {
        std::lock_guard<std::mutex> lock(mutex_);
        fail_every_ = n;
        log_kind_ = kind;
    }
    // log() throws whenever `condition` returns true, e.g. during a window of a fake clock.
    // It is called on the writing thread under the sink's lock: it must not call into this
    // sink. Empty = off.
    void fail_when(std::function<bool()> condition,
                   failure_kind kind = failure_kind::runtime_error) {
        std::lock_guard<std::mutex> lock(mutex_);
        fail_when_ = std::move(condition);
        log_kind_ = kind;
    }
    // Stops every kind of log() and flush() failure.
    void heal() {
        std::lock_guard<std::mutex> lock(mutex_);
        fail_always_ = false;
        fail_next_ = 0;
        fail_every_ = 0;
        fail_when_ = nullptr;
        flush_fail_always_ = false;
        flush_fail_next_ = 0;
    }
    void fail_flush_always(bool on) {
        std::lock_guard<std::mutex> lock(mutex_);
        flush_fail_always_ = on;
    }
    void fail_flush_next(std::size_t n) {
        std::lock_guard<std::mutex> lock(mutex_);
        flush_fail_next_ = n;
    }
    // The what() of the std::runtime_error thrown by log(); flush() appends " (flush)".
    void set_failure_text(std::string text) {
        std::lock_guard<std::mutex> lock(mutex_);
        failure_text_ = std::move(text);
    }
    std::string failure_text() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return failure_text_;
    }

    // Called after every accepted message, outside the sink's lock, on the writing thread.
    void on_log(std::function<void(const recorded_msg &)> hook) {
        std::lock_guard<std::mutex> lock(mutex_);
        hook_ = std::move(hook);
    }

    // --- observation ---------------------------------------------------------------------

    std::vector<recorded_msg> messages() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return messages_;
    }
    std::vector<std::string> payloads() const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<std::string> out;
        out.reserve(messages_.size());
        for (const auto &m : messages_) out.push_back(m.payload);
        return out;
    }
    // Messages accepted.
    std::size_t size() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return messages_.size();
    }
    // log() calls, accepted or not.
    std::size_t log_attempts() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return log_attempts_;
    }
    std::size_t log_failures() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return log_failures_;
    }
    // Successful flush() calls.
    std::size_t flush_count() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return flush_count_;
    }
    std::size_t flush_attempts() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return flush_attempts_;
    }
    std::size_t flush_failures() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return flush_failures_;
    }
    // How many messages had been accepted when flush() last succeeded.
    std::size_t size_at_last_flush() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return size_at_last_flush_;
    }
    // The most threads ever inside log() / flush() at the same time.
    int max_concurrency() const { return max_concurrency_.load(); }

private:
    // Detects two threads inside the sink at once, before the sink's own lock hides it.
    struct concurrency_guard {
        explicit concurrency_guard(test_sink &s)
            : s_(s) {
            const int now = s_.inside_.fetch_add(1) + 1;
            int seen = s_.max_concurrency_.load();
            while (now > seen && !s_.max_concurrency_.compare_exchange_weak(seen, now)) {
            }
        }
        ~concurrency_guard() { s_.inside_.fetch_sub(1); }
        test_sink &s_;
    };

    bool should_fail_log_locked() {
        if (fail_always_) return true;
        if (fail_when_ && fail_when_()) return true;
        if (fail_next_ > 0) {
            --fail_next_;
            return true;
        }
        return fail_every_ > 0 && log_attempts_ % fail_every_ == 0;
    }

    [[noreturn]] void throw_failure_locked(failure_kind kind) {
        switch (kind) {
            case failure_kind::bad_alloc:
                throw std::bad_alloc();
            case failure_kind::non_standard:
                throw 42;
            case failure_kind::runtime_error:
            default:
                throw std::runtime_error(failure_text_);
        }
    }

    mutable std::mutex mutex_;
    std::unique_ptr<spdlog::formatter> formatter_;
    std::vector<recorded_msg> messages_;
    std::function<void(const recorded_msg &)> hook_;

    bool fail_always_ = false;
    std::size_t fail_next_ = 0;
    std::size_t fail_every_ = 0;
    std::function<bool()> fail_when_;
    failure_kind log_kind_ = failure_kind::runtime_error;
    bool flush_fail_always_ = false;
    std::size_t flush_fail_next_ = 0;
    std::string failure_text_ = "simulated sink failure";

    std::size_t log_attempts_ = 0;
    std::size_t log_failures_ = 0;
    std::size_t flush_attempts_ = 0;
    std::size_t flush_failures_ = 0;
    std::size_t flush_count_ = 0;
    std::size_t size_at_last_flush_ = 0;

    std::atomic<int> inside_{0};
    std::atomic<int> max_concurrency_{0};
};

// Collects what the sink reports through options.error_handler. Thread-safe.
class error_log {
public:
    // A handler for coro_sink_options::error_handler; it keeps this collector alive.
    static spdlog::err_handler handler_for(const std::shared_ptr<error_log> &log) {
        return [log](const std::string &m) { log->add(m); };
    }
    void add(const std::string &m) {
        std::lock_guard<std::mutex> lock(mutex_);
        messages_.push_back(m);
    }
    std::vector<std::string> all() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return messages_;
    }
    std::size_t size() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return messages_.size();
    }
    std::size_t count_containing(const std::string &needle) const {
        std::lock_guard<std::mutex> lock(mutex_);
        return static_cast<std::size_t>(std::count_if(
            messages_.begin(), messages_.end(),
            [&](const std::string &m) { return m.find(needle) != std::string::npos; }));
    }
    bool any_containing(const std::string &needle) const { return count_containing(needle) > 0; }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> messages_;
};

// {"m1", "m2", ..., "m<last>"} starting at `first`.
inline std::vector<std::string> numbered(const std::string &prefix, int first, int last) {
    std::vector<std::string> out;
    for (int i = first; i <= last; ++i) out.push_back(prefix + std::to_string(i));
    return out;
}

// The counting identities every quiescent point must satisfy (coro_sink_stats.h).
inline void check_counting(const spdlog::sinks::coro_sink_stats &s) {
    INFO("submitted=" << s.messages_submitted << " processed=" << s.messages_processed
                      << " dropped=" << s.messages_dropped << " failed=" << s.messages_failed
                      << " queue_size=" << s.queue_size << " overflows=" << s.queue_overflows
                      << " block_timeouts=" << s.block_timeouts);
    CHECK(s.messages_submitted ==
          s.messages_processed + s.messages_dropped + s.messages_failed + s.queue_size);
    CHECK(s.messages_dropped == s.queue_overflows + s.block_timeouts);
}

// Builds a coro sink over `sinks`.
template <typename Sink = spdlog::sinks::coro_sink_mt>
std::shared_ptr<Sink> make_coro(std::vector<spdlog::sink_ptr> sinks,
                                spdlog::sinks::coro_sink_options options) {
    return std::make_shared<Sink>(std::move(sinks), std::move(options));
}

// Logs a message straight into a sink (no logger in between): exact control over every
// field. The payload and name are only borrowed for the duration of the call.
inline void log_direct(spdlog::sinks::sink &sink,
                       const std::string &payload,
                       const std::string &logger_name = "direct",
                       spdlog::level::level_enum level = spdlog::level::info) {
    spdlog::details::log_msg msg(spdlog::string_view_t(logger_name.data(), logger_name.size()),
                                 level, spdlog::string_view_t(payload.data(), payload.size()));
    sink.log(msg);
}
