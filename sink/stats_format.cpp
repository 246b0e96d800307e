// stats_format.cpp - coro_sink_stats as a key=value log line and as Prometheus text.
//
// Both walk stats_fields (stats_fields.h), so neither lists a field. Built by hand rather
// than with fmt, like every text of the library (see text.h): spdlog may use fmt or
// std::format. Errors throw spdlog_ex of the form
//   <function>: <field> = "<value>" is invalid; expected <valid form>

#include <spdlog/common.h>
#include <spdlog/sinks/coro_sink_stats_format.h>

#include "stats_fields.h"
#include "text.h"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace spdlog {
namespace sinks {

namespace {

using coro_detail::stats_field;
using coro_detail::stats_fields;
using coro_detail::stats_kind;

void append_uint(std::string &out, std::uint64_t value) {
    char buf[20];  // 2^64 - 1 has 20 digits
    const auto result = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, result.ptr);
}

coro_worker_state state_of(std::uint64_t value) noexcept {
    return static_cast<coro_worker_state>(
        static_cast<std::underlying_type_t<coro_worker_state>>(value));
}

// --- Prometheus ----------------------------------------------------------------------------

constexpr std::string_view prefix_form =
    "empty, or a metric name prefix matching [a-zA-Z_:][a-zA-Z0-9_:]*";
constexpr std::string_view label_form =
    "a label name matching [a-zA-Z_][a-zA-Z0-9_]* and not starting with \"__\" (reserved by "
    "Prometheus)";

bool is_letter_or_underscore(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

bool is_metric_prefix(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (!(is_letter_or_underscore(c) || c == ':' || (i > 0 && is_digit(c)))) {
            return false;
        }
    }
    return true;
}

bool is_label_name(std::string_view s) noexcept {
    if (s.empty() || s.substr(0, 2) == "__") {
        return false;
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (!(is_letter_or_underscore(s[i]) || (i > 0 && is_digit(s[i])))) {
            return false;
        }
    }
    return true;
}

// A label value between double quotes: backslash, double quote and newline escaped, every
// other byte as it is (the format is UTF-8; the bytes are not checked).
void append_label_value(std::string &out, std::string_view value) {
    out += '"';
    for (const char c : value) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
    out += '"';
}

// name="value",name="value" for the labels of one sample, without braces.
void append_labels(std::string &out, const prometheus_labels &labels) {
    for (const auto &[name, value] : labels) {
        if (!out.empty()) {
            out += ',';
        }
        out += name;
        out += '=';
        append_label_value(out, value);
    }
}

// {name="value",...}, for messages.
std::string label_set_text(const prometheus_labels &labels) {
    std::string inner;
    append_labels(inner, labels);
    return coro_detail::concat("{", inner, "}");
}

// Checks the names of `labels` (named `field` in messages); `seen` collects the names of
// the sample so far, to find a repeated one.
void check_label_names(const char *who,
                       const std::string &field,
                       const prometheus_labels &labels,
                       std::vector<std::string_view> &seen) {
    for (const auto &label : labels) {
        const std::string &name = label.first;
        if (!is_label_name(name)) {
            throw_spdlog_ex(coro_detail::concat(who, ": label name \"", name, "\" in ", field,
                                                " is invalid; expected ", label_form));
        }
        if (name == coro_detail::state_label) {
            throw_spdlog_ex(coro_detail::concat(
                who, ": label name \"", name, "\" in ", field,
                " is invalid; it is reserved for the states of worker_state; expected ", label_form,
                ", other than \"", coro_detail::state_label, "\""));
        }
        if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
            throw_spdlog_ex(coro_detail::concat(
                who, ": label name \"", name, "\" in ", field,
                " is invalid; it is already given to the same samples (options.labels and "
                "each sink's labels together); expected each label name once per sample"));
        }
        seen.push_back(name);
    }
}

std::string metric_name(std::string_view prefix, const stats_field &f) {
    return coro_detail::concat(prefix, f.name, coro_detail::suffix_of(f.kind));
}

// Validates everything first, so that a spdlog_ex leaves `out` as it was.
void check(const char *who,
           const std::string &out,
           const labeled_stats *sinks,
           std::size_t count,
           const prometheus_options &options) {
    if (!is_metric_prefix(options.prefix)) {
        throw_spdlog_ex(coro_detail::concat(who, ": options.prefix = \"", options.prefix,
                                            "\" is invalid; expected ", prefix_form));
    }
    std::vector<std::string_view> common;
    check_label_names(who, "options.labels", options.labels, common);
    std::vector<prometheus_labels> label_sets;
    for (std::size_t i = 0; i < count; ++i) {
        std::vector<std::string_view> seen = common;
        const std::string field = coro_detail::concat("sinks[", i, "].labels");
        check_label_names(who, field, sinks[i].labels, seen);
        prometheus_labels sorted = sinks[i].labels;
        std::sort(sorted.begin(), sorted.end());
        for (std::size_t j = 0; j < label_sets.size(); ++j) {
            if (label_sets[j] == sorted) {
                throw_spdlog_ex(coro_detail::concat(
                    who, ": ", field, " = ", label_set_text(sinks[i].labels), " is invalid; sinks[",
                    j,
                    "] has the same labels, and Prometheus would see the same series twice; "
                    "expected labels that tell each sink apart"));
            }
        }
        label_sets.push_back(std::move(sorted));
    }
    const std::string type_line =
        coro_detail::concat("# TYPE ", metric_name(options.prefix, stats_fields[0]), " ");
    for (std::size_t at = out.find(type_line); at != std::string::npos;
         at = out.find(type_line, at + 1)) {
        if (at == 0 || out[at - 1] == '\n') {
            throw_spdlog_ex(coro_detail::concat(
                who, ": options.prefix = \"", options.prefix,
                "\" is invalid for this output, which already holds the metrics of that prefix "
                "(a second group would repeat their HELP and TYPE lines); expected one call per "
                "body with every sink, or another prefix"));
        }
    }
}

void append_sample(std::string &out,
                   const std::string &name,
                   const std::string &labels,
                   std::string_view extra_label,
                   std::string_view extra_value) {
    out += name;
    if (!labels.empty() || !extra_label.empty()) {
        out += '{';
        out += labels;
        if (!extra_label.empty()) {
            if (!labels.empty()) {
                out += ',';
            }
            out += extra_label;
            out += '=';
            append_label_value(out, extra_value);
        }
        out += '}';
    }
    out += ' ';
}

void append_metrics(const char *who,
                    std::string &out,
                    const labeled_stats *sinks,
                    std::size_t count,
                    const prometheus_options &options) {
    check(who, out, sinks, count, options);
    if (count == 0) {
        return;
    }
    std::vector<std::string> labels(count);  // each sink's label text, without braces
    for (std::size_t i = 0; i < count; ++i) {
        append_labels(labels[i], options.labels);
        append_labels(labels[i], sinks[i].labels);
    }

    const std::size_t old_size = out.size();
    try {
        if (!out.empty() && out.back() != '\n') {
            out += '\n';
        }
        // About 200 bytes of HELP and TYPE per metric, 40 per sample plus the labels.
        out.reserve(out.size() + std::size(stats_fields) * (200 + count * (40 + labels[0].size())));
        for (const stats_field &f : stats_fields) {
            const std::string name = metric_name(options.prefix, f);
            out += "# HELP ";
            out += name;
            out += ' ';
            out += f.help;
            out += "\n# TYPE ";
            out += name;
            out += f.kind == stats_kind::counter ? " counter\n" : " gauge\n";
            for (std::size_t i = 0; i < count; ++i) {
                const std::uint64_t value = f.read(sinks[i].stats);
                switch (f.kind) {
                    case stats_kind::counter:
                    case stats_kind::gauge:
                    case stats_kind::flag:
                        append_sample(out, name, labels[i], {}, {});
                        append_uint(out, value);
                        break;
                    case stats_kind::duration:
                        append_sample(out, name, labels[i], {}, {});
                        coro_detail::append_seconds(out, value);
                        break;
                    case stats_kind::state:
                        for (const coro_worker_state s : coro_detail::worker_states) {
                            append_sample(out, name, labels[i], coro_detail::state_label,
                                          to_string(s));
                            out += state_of(value) == s ? "1\n" : "0\n";
                        }
                        continue;
                }
                out += '\n';
            }
        }
    } catch (...) {
        out.resize(old_size);
        throw;
    }
}

}  // namespace

std::string to_string(const coro_sink_stats &stats) {
    std::string out;
    out.reserve(512);  // 330 characters or so with small values
    for (const stats_field &f : stats_fields) {
        if (!out.empty()) {
            out += ' ';
        }
        out += f.name;
        out += '=';
        const std::uint64_t value = f.read(stats);
        switch (f.kind) {
            case stats_kind::counter:
            case stats_kind::gauge:
                append_uint(out, value);
                break;
            case stats_kind::flag:
                out += value != 0 ? "true" : "false";
                break;
            case stats_kind::state:
                out += to_string(state_of(value));
                break;
            case stats_kind::duration:
                append_uint(out, value);
                out += "ns";
                break;
        }
    }
    return out;
}

std::string to_prometheus(const coro_sink_stats &stats, const prometheus_options &options) {
    const labeled_stats one{{}, stats};
    std::string out;
    append_metrics("to_prometheus", out, &one, 1, options);
    return out;
}

void append_prometheus(std::string &out,
                       const std::vector<labeled_stats> &sinks,
                       const prometheus_options &options) {
    append_metrics("append_prometheus", out, sinks.data(), sinks.size(), options);
}

}  // namespace sinks
}  // namespace spdlog
