// stats_format.cpp - coro_sink_stats as a key=value log line.
//
// Walks stats_fields (stats_fields.h), so it lists no field. Built by hand rather than with
// fmt, like every text of the library (see text.h): spdlog may use fmt or std::format.

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

}  // namespace sinks
}  // namespace spdlog
