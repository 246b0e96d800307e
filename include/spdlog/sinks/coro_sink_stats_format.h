// coro_sink_stats_format.h - coro_sink_stats as a log line.
//
// to_string(stats) gives one line of key=value pairs, the keys being the field names of
// coro_sink_stats in struct order; fmt::format("{}", stats), spdlog::info("{}", stats) and,
// when spdlog uses std::format (SPDLOG_USE_STD_FORMAT), std::format("{}", stats) give the
// same text.
//
//     spdlog::info("coro_sink: {}", coro->stats());
//     // coro_sink: messages_submitted=10 messages_processed=8 ... fallback_active=false
//
// The key names, their order and the metric names are stable: a field added to
// coro_sink_stats later appears at its place in the struct; none is renamed or removed
// without notice. All functions here work on a snapshot you pass in; none touches a sink.

#pragma once

#include <spdlog/fmt/fmt.h>  // fmt, spdlog's bundled fmt or <format>, as spdlog is configured
#include <spdlog/sinks/coro_sink_stats.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spdlog {
namespace sinks {

// One line, single spaces between fields, no trailing newline, for example
//     messages_submitted=10 messages_processed=8 messages_dropped=1 messages_failed=0
//     queue_overflows=1 ... queue_size=1 queue_high_water=5 queue_capacity=10000
//     worker_state=running fallback_active=false
// (one line in reality). Counters and gauges are decimal integers, worker_state its
// to_string() name, fallback_active true or false.
// Never blocks. Allocates the string; throws only std::bad_alloc. Any thread.
std::string to_string(const coro_sink_stats &stats);

namespace coro_detail {
// The body of the formatters below: a string formatter (so width, fill and alignment work)
// given the text of to_string(). StringFormatter is the library's formatter of StringView.
template <typename StringFormatter, typename StringView>
struct stats_formatter : StringFormatter {
    template <typename FormatContext>
    auto format(const coro_sink_stats &stats, FormatContext &ctx) const {
        const std::string text = spdlog::sinks::to_string(stats);
        return StringFormatter::format(StringView(text.data(), text.size()), ctx);
    }
    // The same for <format> implementations whose string formatter's format() is not const
    // yet (libc++ before 16) and that call ours on a non-const formatter.
    template <typename FormatContext>
    auto format(const coro_sink_stats &stats, FormatContext &ctx) {
        const std::string text = spdlog::sinks::to_string(stats);
        return StringFormatter::format(StringView(text.data(), text.size()), ctx);
    }
};
}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog

// fmt::format("{}", stats), spdlog::info("{}", stats), and std::format("{}", stats) when
// spdlog uses std::format: the text of to_string(stats); string specs apply to the whole
// line ("{:>200}"). spdlog's fmt.h, included above, has read tweakme.h, and the build's
// definitions are those spdlog's target exports, so SPDLOG_USE_STD_FORMAT is decided here
// as spdlog decides it (spdlog 1.10 to 1.15); external and bundled fmt both live in fmt::.
// Never blocks. Allocates the line; throws only std::bad_alloc and what the output does.
#ifdef SPDLOG_USE_STD_FORMAT
template <>
struct std::formatter<spdlog::sinks::coro_sink_stats, char>
    : spdlog::sinks::coro_detail::stats_formatter<std::formatter<std::string_view, char>,
                                                  std::string_view> {};
#else
template <>
struct fmt::formatter<spdlog::sinks::coro_sink_stats>
    : spdlog::sinks::coro_detail::stats_formatter<fmt::formatter<fmt::string_view>,
                                                  fmt::string_view> {};
#endif
