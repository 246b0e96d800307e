// error_reporter.cpp - delivery and rate limiting of the sink's error messages.

#include "error_reporter.h"

#include "text.h"

#include <cstdio>

namespace spdlog {
namespace sinks {
namespace coro_detail {

void write_error_line(const std::string &message, std::uint64_t suppressed) noexcept {
    try {
        const std::string line = suppressed == 0
                                     ? concat("[*** LOG ERROR ***] [coro_sink] ", message, "\n")
                                     : concat("[*** LOG ERROR ***] [coro_sink] ", message, " (",
                                              suppressed, " more suppressed)\n");
        std::fputs(line.c_str(), stderr);
        std::fflush(stderr);
    } catch (...) {
        // Out of memory for the line: nothing is written.
    }
}

void error_reporter::report(const std::string &message) noexcept {
    try {
        if (handler_) {
            handler_(message);
            return;
        }
        const auto now = clock_ ? clock_() : std::chrono::steady_clock::now();
        std::lock_guard<std::mutex> lock(mutex_);
        if (reported_once_ && now - last_report_ < std::chrono::seconds(1)) {
            ++suppressed_;
            return;
        }
        reported_once_ = true;
        last_report_ = now;
        const std::uint64_t suppressed = suppressed_;
        suppressed_ = 0;
        write_error_line(message, suppressed);
    } catch (...) {
        // Nothing sensible is left to do with an error about reporting an error.
    }
}

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
