// options_parse.cpp - coro_sink_options from text (parse) and from SPDLOG_CORO (from_env).
//
// Format: comma-separated key=value pairs, whitespace around keys and values ignored.
// preset is applied first wherever it appears, then the other keys in order (the last of
// a repeated key wins). Every error throws spdlog_ex of the form
//   coro_sink_options::parse: <key> = "<value>" is invalid; expected <what is accepted>
// Keys, values and items are quoted as C string literals would show them (see shown()).

#include <spdlog/sinks/coro_sink_options.h>

#include "text.h"

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>

namespace spdlog {
namespace sinks {

namespace {

constexpr const char *prefix = "coro_sink_options::parse: ";
constexpr const char *valid_keys =
    "preset, batch_size, max_queue_size, max_restarts, flush_interval, flush_timeout, "
    "restart_backoff, max_restart_backoff, block_timeout, event_interval, overflow, driver";
constexpr const char *duration_expected = "a duration like 50ms, 2s or 500us";

std::string_view trim(std::string_view s) {
    constexpr std::string_view space = " \t\r\n\f\v";
    const auto first = s.find_first_not_of(space);
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = s.find_last_not_of(space);
    return s.substr(first, last - first + 1);
}

// Text from the input, for an error message: printable ASCII as is, '"' and '\\' escaped,
// every other byte as \xNN. The message is read through what(), a C string: a NUL byte
// copied in raw cut it short (found by tests/fuzz/fuzz_options_parse.cpp), and control bytes
// could rewrite the terminal that prints it.
std::string shown(std::string_view text) {
    constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c >= 0x20 && c < 0x7f) {
            out += ch;
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    return out;
}

[[noreturn]] void invalid(std::string_view key, std::string_view value, std::string_view expected) {
    throw_spdlog_ex(coro_detail::concat(prefix, shown(key), " = \"", shown(value),
                                        "\" is invalid; expected ", expected));
}

// A run of decimal digits, nothing else, fitting in uint64_t. `expected` names what the
// whole value should look like, for the message.
std::uint64_t parse_digits(std::string_view key,
                           std::string_view value,
                           std::string_view digits,
                           std::string_view expected) {
    if (!digits.empty() && digits.front() == '-') {
        invalid(key, value, coro_detail::concat(expected, " (negative values are not accepted)"));
    }
    if (!digits.empty() && digits.front() == '+') {
        invalid(key, value, coro_detail::concat(expected, " (no sign)"));
    }
    std::uint64_t n = 0;
    const char *end = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), end, n);
    if (ec == std::errc::result_out_of_range) {
        invalid(key, value,
                coro_detail::concat(expected, " (too large; at most ",
                                    std::numeric_limits<std::uint64_t>::max(), ")"));
    }
    if (ec != std::errc() || ptr != end) {
        invalid(key, value, expected);
    }
    return n;
}

std::size_t parse_count(std::string_view key, std::string_view value) {
    constexpr std::string_view expected = "an unsigned integer like 200";
    const std::uint64_t n = parse_digits(key, value, value, expected);
    if (n > std::numeric_limits<std::size_t>::max()) {
        invalid(key, value,
                coro_detail::concat(expected, " (too large; at most ",
                                    std::numeric_limits<std::size_t>::max(), ")"));
    }
    return static_cast<std::size_t>(n);
}

std::chrono::milliseconds parse_duration(std::string_view key, std::string_view value) {
    const auto unit_at = value.find_first_not_of("+-0123456789");
    if (unit_at == 0 || value.empty()) {
        invalid(key, value, duration_expected);
    }
    if (unit_at == std::string_view::npos) {
        invalid(key, value, coro_detail::concat(duration_expected, " (a unit is required)"));
    }
    const std::string_view unit = trim(value.substr(unit_at));
    const std::uint64_t n = parse_digits(key, value, value.substr(0, unit_at), duration_expected);
    constexpr auto max_ms = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    std::uint64_t ms = 0;
    if (unit == "ms") {
        ms = n;
    } else if (unit == "s") {
        if (n > max_ms / 1000) {
            invalid(key, value, coro_detail::concat(duration_expected, " (too large)"));
        }
        ms = n * 1000;
    } else if (unit == "us") {
        if (n % 1000 != 0) {
            invalid(key, value,
                    coro_detail::concat(duration_expected,
                                        "; microseconds must be a whole number of milliseconds "
                                        "(a multiple of 1000us), the option is in milliseconds"));
        }
        ms = n / 1000;
    } else {
        invalid(key, value, coro_detail::concat(duration_expected, " (units: us, ms, s)"));
    }
    if (ms > max_ms) {
        invalid(key, value, coro_detail::concat(duration_expected, " (too large)"));
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

overflow_strategy parse_overflow(std::string_view key, std::string_view value) {
    for (auto candidate : {overflow_strategy::drop_oldest, overflow_strategy::drop_newest,
                           overflow_strategy::block}) {
        if (value == to_string(candidate)) return candidate;
    }
    invalid(key, value, "one of drop_oldest, drop_newest, block");
}

coro_driver parse_driver(std::string_view key, std::string_view value) {
    for (auto candidate : {coro_driver::cooperative, coro_driver::manual, coro_driver::thread}) {
        if (value == to_string(candidate)) return candidate;
    }
    if (value == to_string(coro_driver::event_loop)) {
        // Accepting it would only move the error to validate(), with a less useful message.
        invalid(key, value,
                "one of cooperative, manual, thread (event_loop needs a scheduler, which "
                "cannot be given in text: set options.driver and options.scheduler in code)");
    }
    invalid(key, value, "one of cooperative, manual, thread");
}

coro_sink_options parse_preset(std::string_view key, std::string_view value) {
    if (value == "high_throughput") {
        return coro_sink_options::high_throughput();
    }
    if (value == "memory_constrained") {
        return coro_sink_options::memory_constrained();
    }
    if (value == "reliable") {
        return coro_sink_options::reliable();
    }
    if (value == "default") {
        return coro_sink_options{};
    }
    invalid(key, value, "one of high_throughput, memory_constrained, reliable, default");
}

// Calls f(key, value) for each non-empty item of `text`, trimmed; throws on an item
// without '=' or with an empty key or value.
template <typename F>
void for_each_pair(std::string_view text, F &&f) {
    std::size_t pos = 0;
    while (pos <= text.size()) {
        auto comma = text.find(',', pos);
        if (comma == std::string_view::npos) {
            comma = text.size();
        }
        const std::string_view item = trim(text.substr(pos, comma - pos));
        pos = comma + 1;
        if (item.empty()) {
            continue;
        }
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) {
            throw_spdlog_ex(coro_detail::concat(prefix, "\"", shown(item),
                                                "\" has no '='; expected key=value pairs "
                                                "separated by commas; valid keys: ",
                                                valid_keys));
        }
        const std::string_view key = trim(item.substr(0, eq));
        const std::string_view value = trim(item.substr(eq + 1));
        if (key.empty()) {
            throw_spdlog_ex(
                coro_detail::concat(prefix, "\"", shown(item),
                                    "\" has no key; expected key=value; valid keys: ", valid_keys));
        }
        if (value.empty()) {
            throw_spdlog_ex(coro_detail::concat(prefix, shown(key), " has an empty value (in \"",
                                                shown(item), "\"); expected key=value"));
        }
        f(key, value);
    }
}

}  // namespace

coro_sink_options coro_sink_options::parse(std::string_view text) {
    coro_sink_options o;
    // Pass 1: the preset (the last one, if repeated), wherever it appears.
    for_each_pair(text, [&](std::string_view key, std::string_view value) {
        if (key == "preset") {
            o = parse_preset(key, value);
        }
    });
    // Pass 2: every other key, in order; the last of a repeated key wins.
    for_each_pair(text, [&](std::string_view key, std::string_view value) {
        if (key == "preset") {
            return;
        } else if (key == "batch_size") {
            o.batch_size = parse_count(key, value);
        } else if (key == "max_queue_size") {
            o.max_queue_size = parse_count(key, value);
        } else if (key == "max_restarts") {
            o.max_restarts = parse_count(key, value);
        } else if (key == "flush_interval") {
            o.flush_interval = parse_duration(key, value);
        } else if (key == "flush_timeout") {
            o.flush_timeout = parse_duration(key, value);
        } else if (key == "restart_backoff") {
            o.restart_backoff = parse_duration(key, value);
        } else if (key == "max_restart_backoff") {
            o.max_restart_backoff = parse_duration(key, value);
        } else if (key == "block_timeout") {
            o.block_timeout = parse_duration(key, value);
        } else if (key == "event_interval") {
            o.event_interval = parse_duration(key, value);
        } else if (key == "overflow") {
            o.overflow = parse_overflow(key, value);
        } else if (key == "driver") {
            o.driver = parse_driver(key, value);
        } else {
            throw_spdlog_ex(coro_detail::concat(prefix, "unknown key \"", shown(key),
                                                "\" (value \"", shown(value),
                                                "\"); valid keys: ", valid_keys));
        }
    });
    o.validate();
    return o;
}

coro_sink_options coro_sink_options::from_env() {
#if defined(_MSC_VER)
    // C4996 suggests _dupenv_s: getenv's pointer is only read here, before any other call
    // that could change the environment (the contract in coro_sink_options.h).
    #pragma warning(suppress : 4996)
#endif
    const char *text = std::getenv("SPDLOG_CORO");
    if (text == nullptr || *text == '\0') {
        return coro_sink_options{};
    }
    try {
        return parse(text);
    } catch (const spdlog_ex &e) {
        throw_spdlog_ex(coro_detail::concat("SPDLOG_CORO: ", e.what()));
    }
}

}  // namespace sinks
}  // namespace spdlog
