// error_reporter.h - where the sink's errors and warnings go.
//
// The sink works in the background, out of reach of its logger's error handler, so it
// carries its own: options.error_handler when set, otherwise spdlog's default behaviour
// (a "[*** LOG ERROR ***]" line on stderr, at most once a second, measured on the injected
// clock; the lines suppressed in between are counted and mentioned in the next one).

#pragma once

#include <spdlog/common.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace spdlog {
namespace sinks {
namespace coro_detail {

// Writes spdlog's default error line, "[*** LOG ERROR ***] [coro_sink] <message>", on stderr
// and flushes it; with `suppressed` > 0 it says how many reports were suppressed before it.
// The one place this line is made. Blocks: on stderr. Allocates: the line. Throws: never.
// Threads: any.
void write_error_line(const std::string &message, std::uint64_t suppressed = 0) noexcept;

class error_reporter {
public:
    using clock_fn = std::function<std::chrono::steady_clock::time_point()>;

    error_reporter(err_handler handler, clock_fn clock)
        : handler_(std::move(handler)),
          clock_(std::move(clock)) {}

    // Delivers `message`. Never throws: an exception from the user's handler is swallowed,
    // since the caller is the worker and must go on. Allocates. Any thread.
    void report(const std::string &message) noexcept;

private:
    err_handler handler_;
    clock_fn clock_;
    std::mutex mutex_;  // error path only: serializes the default handler's rate limit
    bool reported_once_ = false;
    std::chrono::steady_clock::time_point last_report_{};
    std::uint64_t suppressed_ = 0;
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
