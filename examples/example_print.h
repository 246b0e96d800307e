// example_print.h - print() for the examples, with whichever formatting library spdlog uses.
//
// spdlog formats with fmt, bundled or external, or with std::format when it was built with
// SPDLOG_USE_STD_FORMAT; spdlog::fmt_lib names whichever it is. The examples print their
// narrative through this one function, so they build against every spdlog the library
// supports (fmt::print does not exist in the std::format mode).
//
// With std::format, spdlog::format_string_t is std::format_string where the standard library
// has a complete one (__cpp_lib_format >= 202207), else a plain std::string_view (GCC 14 in
// C++20 mode): the text is formatted with vformat, as spdlog's logger does, so both work.
//
// Blocks: on stdout. Allocates: the formatted line. Throws: what formatting throws.
// Threads: as std::fwrite on stdout.

#pragma once

#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>

namespace example {

template <typename... Args>
void print(spdlog::format_string_t<Args...> format, Args &&...args) {
#if defined(SPDLOG_USE_STD_FORMAT)
    std::string_view text_format;
    if constexpr (std::is_convertible_v<decltype(format), std::string_view>) {
        text_format = format;
    } else {
        text_format = format.get();
    }
    const std::string text = std::vformat(text_format, std::make_format_args(args...));
#else
    const std::string text = fmt::vformat(format, fmt::make_format_args(args...));
#endif
    std::fwrite(text.data(), 1, text.size(), stdout);
}

}  // namespace example
