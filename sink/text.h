// text.h - builds the sink's error messages without depending on fmt.
//
// spdlog may be built with its bundled fmt, an external fmt, or std::format
// (SPDLOG_USE_STD_FORMAT, spdlog >= 1.11); the library must compile against all three, so
// its few messages are assembled by hand. Error paths only: this allocates.

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace spdlog {
namespace sinks {
namespace coro_detail {

inline void append_text(std::string &out, std::string_view s) { out.append(s.data(), s.size()); }
inline void append_text(std::string &out, const char *s) { out.append(s); }
inline void append_text(std::string &out, const std::string &s) { out.append(s); }
template <typename Rep, typename Period>
void append_text(std::string &out, std::chrono::duration<Rep, Period> d) {
    out += std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
    out += "ms";
}
template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
void append_text(std::string &out, T value) {
    out += std::to_string(value);
}

// Nanoseconds as a decimal number of seconds, exactly, without trailing zeros: 0 -> "0",
// 1500000 -> "0.0015", 2000000001 -> "2.000000001". Throws std::bad_alloc.
inline void append_seconds(std::string &out, std::uint64_t ns) {
    constexpr std::uint64_t ns_per_s = 1000000000;
    out += std::to_string(ns / ns_per_s);
    std::uint64_t fraction = ns % ns_per_s;
    if (fraction == 0) {
        return;
    }
    char digits[9];
    for (int i = 8; i >= 0; --i) {
        digits[i] = static_cast<char>('0' + fraction % 10);
        fraction /= 10;
    }
    std::size_t n = 9;
    while (digits[n - 1] == '0') {
        --n;
    }
    out += '.';
    out.append(digits, n);
}

// concat("a", 1, "b") == "a1b". Throws std::bad_alloc.
template <typename... Parts>
std::string concat(const Parts &...parts) {
    std::string out;
    (append_text(out, parts), ...);
    return out;
}

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
