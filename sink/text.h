// text.h - builds the sink's error messages without depending on fmt.
//
// spdlog may be built with its bundled fmt, an external fmt, or std::format
// (SPDLOG_USE_STD_FORMAT, spdlog >= 1.11); the library must compile against all three, so
// its few messages are assembled by hand. Error paths only: this allocates.

#pragma once

#include <chrono>
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
