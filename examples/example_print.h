// example_print.h - print() for the examples, with whichever formatting library spdlog uses.
//
// spdlog formats with fmt, bundled or external, or with std::format when it was built with
// SPDLOG_USE_STD_FORMAT; spdlog::fmt_lib names whichever it is. The examples print their
// narrative through this one function, so they build against every spdlog the library
// supports (fmt::print does not exist in the std::format mode).
//
// Blocks: on stdout. Allocates: the formatted line. Throws: what formatting throws.
// Threads: as std::fwrite on stdout.

#pragma once

#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>
#include <utility>

namespace example {

template <typename... Args>
void print(spdlog::format_string_t<Args...> format, Args &&...args) {
    const std::string text = spdlog::fmt_lib::format(format, std::forward<Args>(args)...);
    std::fwrite(text.data(), 1, text.size(), stdout);
}

}  // namespace example
