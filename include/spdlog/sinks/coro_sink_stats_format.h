// coro_sink_stats_format.h - coro_sink_stats as a log line and in Prometheus text format.
//
// to_string(stats) gives one line of key=value pairs, the keys being the field names of
// coro_sink_stats in struct order; fmt::format("{}", stats), spdlog::info("{}", stats) and,
// when spdlog uses std::format (SPDLOG_USE_STD_FORMAT), std::format("{}", stats) give the
// same text. to_prometheus() / append_prometheus() give the Prometheus text exposition
// format 0.0.4 for a /metrics endpoint; every metric is listed in docs/monitoring.md.
//
//     spdlog::info("coro_sink: {}", coro->stats());
//     // coro_sink: messages_submitted=10 messages_processed=8 ... fallback_active=false
//
//     spdlog::sinks::prometheus_options opts;
//     opts.labels = {{"service", "api"}};
//     std::string body;  // the response to GET /metrics
//     spdlog::sinks::append_prometheus(body, {{{{"sink", "net"}}, net->stats()},
//                                             {{{"sink", "file"}}, file->stats()}}, opts);
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

// Prometheus labels as (name, value) pairs, written in this order. A name must match
// [a-zA-Z_][a-zA-Z0-9_]*, must not start with "__" (reserved by Prometheus) and must not be
// "state" (the label of the worker_state metric). A value may hold any text; backslash,
// double quote and newline are escaped as the format requires.
using prometheus_labels = std::vector<std::pair<std::string, std::string>>;

struct prometheus_options {
    // Put in front of every metric name: "spdlog_coro_" gives spdlog_coro_queue_size,
    // spdlog_coro_messages_dropped_total, ... Must match [a-zA-Z_:][a-zA-Z0-9_:]*, or be
    // empty (the bare field names are valid metric names).
    std::string prefix = "spdlog_coro_";
    // Added to every sample, before the sink's own labels: what several sinks share, such
    // as {{"service", "api"}}.
    prometheus_labels labels;
};

// One sink's snapshot and the labels that tell it apart from the other sinks in a body,
// for instance {{"logger", "app"}, {"sink", "net"}}.
struct labeled_stats {
    prometheus_labels labels;
    coro_sink_stats stats;
};

// The metrics of one sink, as a complete exposition body: for each field in struct order a
// # HELP line, a # TYPE line and its sample(s), labelled with options.labels. Counters are
// named <prefix><field>_total (TYPE counter); queue_size, queue_high_water, queue_capacity
// and fallback_active (1 or 0) are gauges; worker_state is a gauge with one sample per
// state, <prefix>worker_state{state="running"} 1 for the current state and 0 for the two
// others. Ends with a newline.
// Never blocks. Allocates. Throws spdlog_ex naming the field, the value and the valid form
// when options.prefix or a label name is invalid, or a label name is repeated; std::bad_alloc.
// Any thread.
std::string to_prometheus(const coro_sink_stats &stats, const prometheus_options &options = {});

// The metrics of several sinks, appended to `out`: one group per metric, its # HELP and
// # TYPE lines once, then one sample per sink (each labelled with options.labels followed
// by that sink's labels), sinks in the order given. This is the way to serve several sinks
// in one scrape: Prometheus requires each metric's lines to form one group, with at most
// one HELP and one TYPE line, so call it once per body with every sink, not once per sink.
// `out` may already hold other metrics (other prefixes, other libraries); appending the
// same prefix a second time is refused (it would repeat the HELP and TYPE lines). No sinks:
// appends nothing.
// Never blocks. Allocates. Throws spdlog_ex naming the field, the value and the valid form
// when the prefix or a label name is invalid, a label name is repeated within a sample, two
// sinks have the same labels (Prometheus would see duplicate series), or `out` already
// holds these metrics; std::bad_alloc. On any exception `out` is left as it was. A last
// line of `out` without its newline gets one first. Any thread.
void append_prometheus(std::string &out,
                       const std::vector<labeled_stats> &sinks,
                       const prometheus_options &options = {});

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
// Any thread.
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
