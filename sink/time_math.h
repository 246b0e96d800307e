// time_math.h - every conversion and saturation between the sink's times and durations.
//
// The sink stores times as ticks (nanoseconds since the clock's epoch, in an int64) so they
// fit in atomics, and accepts durations up to milliseconds::max() (options, flush_for, the
// crash drain's deadline). Two rules follow, and they live here only:
//   - a deadline computed from a huge duration saturates at time_point::max() (or the
//     largest tick): one that overflowed would lie in the past and fire at once;
//   - a *real* wait (a condition variable, a thread join) is capped at one year: the
//     standard library adds the duration to its own now(), which overflows for saturated
//     deadlines. Every such wait is in a loop that re-checks, or its bound is a promise no
//     caller can observe being broken (a year).
// Blocks / Allocates / Throws: never. Threads: any.

#pragma once

#include <chrono>
#include <cstdint>
#include <limits>

namespace spdlog {
namespace sinks {
namespace coro_detail {

using engine_clock = std::chrono::steady_clock;
using time_point = engine_clock::time_point;

// Nanoseconds since the clock's epoch.
inline std::int64_t ticks(time_point t) noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
inline time_point from_ticks(std::int64_t ticks) noexcept {
    return time_point(
        std::chrono::duration_cast<engine_clock::duration>(std::chrono::nanoseconds(ticks)));
}

// A duration in nanoseconds; milliseconds::max() does not fit, so it saturates.
inline std::int64_t nanoseconds_saturated(std::chrono::milliseconds d) noexcept {
    constexpr std::int64_t limit = std::numeric_limits<std::int64_t>::max() / 1000000;
    return d.count() >= limit ? std::numeric_limits<std::int64_t>::max() : d.count() * 1000000;
}

// t + d, saturating at time_point::max().
inline time_point after(time_point t, std::chrono::milliseconds d) noexcept {
    const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(time_point::max() - t);
    return d >= room ? time_point::max()
                     : t + std::chrono::duration_cast<engine_clock::duration>(d);
}

// The longest real wait the sink hands to the standard library (see the file comment).
inline constexpr std::chrono::hours longest_real_wait{24 * 365};
template <typename Duration>
Duration capped_wait(Duration d) noexcept {
    return d > std::chrono::duration_cast<Duration>(longest_real_wait)
               ? std::chrono::duration_cast<Duration>(longest_real_wait)
               : d;
}

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
