// fuzz_options_parse.cpp - libFuzzer target for coro_sink_options::parse(std::string_view).
//
// Not only "does not crash": every input is checked against parse()'s contract.
//   1. parse() returns options or throws spdlog::spdlog_ex; any other exception is a bug.
//   2. An error message is whole printable ASCII, has one of the documented shapes and names
//      what the user wrote: the key it rejects (a known key for a bad value) and the value,
//      or the item it could not split, each quoted from the input (bytes escaped as a C
//      string literal shows them); a validate() error names an option field.
//   3. Returned options pass validate() and leave fallback_sink, error_handler, clock empty.
//   4. Round trip: a text built here from the returned fields (to_string for the enums,
//      durations in a unit and a key order picked from the input, a preset that the keys
//      override) parses back to the same fields.
//   5. A trailing comma changes nothing: the same options, or the same error message.
// A broken property prints the input and what was seen, then aborts: libFuzzer reports it as
// a crash and saves the input.
//
//     bash scripts/dev.sh fuzz 600     # build build-fuzz/ and fuzz for ten minutes

#include <spdlog/common.h>
#include <spdlog/sinks/coro_sink_options.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using spdlog::sinks::coro_sink_options;

constexpr std::array<std::string_view, 12> known_keys = {
    "preset",         "batch_size",     "max_queue_size",  "max_restarts",
    "flush_interval", "flush_timeout",  "restart_backoff", "max_restart_backoff",
    "block_timeout",  "event_interval", "overflow",        "driver"};

bool is_known_key(std::string_view s) {
    return std::find(known_keys.begin(), known_keys.end(), s) != known_keys.end();
}

// The input as a C string literal would show it: printable ASCII as is, '"' and '\\'
// escaped, other bytes as \xNN. Used to print failures, and it is how parse() must quote
// the input in its messages.
std::string escaped(std::string_view s) {
    std::string out;
    for (const unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        }
    }
    return out;
}

[[noreturn]] void broken(const char *property, std::string_view input, std::string_view seen) {
    std::fprintf(stderr, "fuzz_options_parse: property broken: %s\n  input: \"%s\"\n  seen:  %s\n",
                 property, escaped(input).c_str(), escaped(seen).c_str());
    std::abort();
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// A quoted piece of an error message and the text after its closing quote.
struct quoted_piece {
    std::string_view text;  // still escaped, as in the message
    std::string_view after;
};

// Reads the string literal at the start of `s` ("...", with \-escapes); nothing when `s`
// does not start with one. Exact only because parse() escapes '"' and '\\' in what it
// quotes: a raw quote inside a key or value would end the piece early.
std::optional<quoted_piece> read_quoted(std::string_view s) {
    if (!starts_with(s, "\"")) return std::nullopt;
    for (std::size_t i = 1; i < s.size(); ++i) {
        if (s[i] == '\\') {
            ++i;  // the escaped character; a \xNN's digits are plain characters after it
        } else if (s[i] == '"') {
            return quoted_piece{s.substr(1, i - 1), s.substr(i + 1)};
        }
    }
    return std::nullopt;
}

// The message quotes a non-empty piece of what the user wrote, escaped.
bool quotes_input(std::string_view piece, std::string_view input) {
    return !piece.empty() && escaped(input).find(piece) != std::string::npos;
}

// The shapes of parse()'s own errors (options_parse.cpp), after its prefix. Each ends with
// its explanation after the quoted text, so a message cut short matches none. A user's key
// may spell out the words of another shape ("unknown key 1= " has an empty value), but
// never a bare '"', so exactly one shape reads the whole message.
bool is_unknown_key(std::string_view rest, std::string_view input) {
    // unknown key "<key>" (value "<value>"); valid keys: ...
    if (!starts_with(rest, "unknown key ")) return false;
    const auto key = read_quoted(rest.substr(12));
    if (!key || !starts_with(key->after, " (value ")) return false;
    const auto value = read_quoted(key->after.substr(8));
    return value && quotes_input(key->text, input) && quotes_input(value->text, input) &&
           starts_with(value->after, "); valid keys: ");
}

bool is_not_a_pair(std::string_view rest, std::string_view input) {
    // "<item>" has no '='; expected ...   or   "<item>" has no key; expected ...
    const auto item = read_quoted(rest);
    if (!item || !quotes_input(item->text, input)) return false;
    return (starts_with(item->after, " has no '='; expected key=value") &&
            item->text.find('=') == std::string_view::npos) ||
           (starts_with(item->after, " has no key; expected key=value") && item->text[0] == '=');
}

bool is_bad_value(std::string_view rest, std::string_view input) {
    // <key> = "<value>" is invalid; expected <what is accepted>   (key: a known key)
    for (const std::string_view key : known_keys) {
        if (!starts_with(rest, key) || !starts_with(rest.substr(key.size()), " = ")) continue;
        const auto value = read_quoted(rest.substr(key.size() + 3));
        return value && quotes_input(key, input) && quotes_input(value->text, input) &&
               starts_with(value->after, " is invalid; expected ");
    }
    return false;
}

bool is_empty_value(std::string_view rest, std::string_view input) {
    // <key> has an empty value (in "<item>"); expected key=value
    // The key is not quoted: the right occurrence of the words is the one before a literal.
    constexpr std::string_view words = " has an empty value (in ";
    for (auto at = rest.find(words); at != std::string_view::npos; at = rest.find(words, at + 1)) {
        const auto item = read_quoted(rest.substr(at + words.size()));
        if (!item) continue;
        return quotes_input(rest.substr(0, at), input) && quotes_input(item->text, input) &&
               item->after == "); expected key=value";
    }
    return false;
}

// Property 2.
void check_error_message(std::string_view message, std::string_view input) {
    if (message.empty()) broken("an error message is not empty", input, message);
    for (const unsigned char c : message) {
        if (c < 0x20 || c >= 0x7f) broken("an error message is printable ASCII", input, message);
    }
    constexpr std::string_view validate_prefix = "coro_sink_options: ";
    if (starts_with(message, validate_prefix)) {
        // validate(): <field> = <value> is invalid; valid range: <range>
        const std::string_view rest = message.substr(validate_prefix.size());
        const std::string_view field = rest.substr(0, rest.find(" = "));
        if (!is_known_key(field) || field == "preset" ||
            rest.find(" is invalid; valid range: ") == std::string_view::npos) {
            broken("a validate() error names an option field and its range", input, message);
        }
        return;
    }
    constexpr std::string_view parse_prefix = "coro_sink_options::parse: ";
    if (!starts_with(message, parse_prefix)) {
        broken("an error message starts with coro_sink_options::parse:", input, message);
    }
    const std::string_view rest = message.substr(parse_prefix.size());
    if (!(is_unknown_key(rest, input) || is_not_a_pair(rest, input) || is_bad_value(rest, input) ||
          is_empty_value(rest, input))) {
        broken("an error message has a documented shape and quotes the input", input, message);
    }
}

// The fields parse() sets, for comparison and printing.
struct fields {
    std::size_t batch_size, max_queue_size, max_restarts;
    std::int64_t flush_interval, flush_timeout, restart_backoff, max_restart_backoff, block_timeout,
        event_interval;
    spdlog::sinks::overflow_strategy overflow;
    spdlog::sinks::coro_driver driver;

    explicit fields(const coro_sink_options &o)
        : batch_size(o.batch_size),
          max_queue_size(o.max_queue_size),
          max_restarts(o.max_restarts),
          flush_interval(o.flush_interval.count()),
          flush_timeout(o.flush_timeout.count()),
          restart_backoff(o.restart_backoff.count()),
          max_restart_backoff(o.max_restart_backoff.count()),
          block_timeout(o.block_timeout.count()),
          event_interval(o.event_interval.count()),
          overflow(o.overflow),
          driver(o.driver) {}

    bool operator==(const fields &) const = default;

    // Property 4's text. `style` picks the duration unit (ms, s when whole seconds, us when
    // it fits, spaces around the number and unit), the key order, and a preset.
    std::string canonical(unsigned style) const {
        std::vector<std::string> items = {
            "batch_size=" + std::to_string(batch_size),
            "max_queue_size=" + std::to_string(max_queue_size),
            "max_restarts=" + std::to_string(max_restarts),
            "flush_interval=" + duration(flush_interval, style),
            "flush_timeout=" + duration(flush_timeout, style),
            "restart_backoff=" + duration(restart_backoff, style),
            "max_restart_backoff=" + duration(max_restart_backoff, style),
            "block_timeout=" + duration(block_timeout, style),
            "event_interval=" + duration(event_interval, style),
            std::string("overflow=") + to_string(overflow),
            std::string("driver=") + to_string(driver),
        };
        if ((style & 4u) != 0) std::reverse(items.begin(), items.end());
        // Every field is given, so a preset (applied first, wherever it stands) must not
        // change the result.
        if ((style & 8u) != 0) items.emplace_back("preset=reliable");
        std::string out;
        for (const auto &item : items) {
            if (!out.empty()) out += ',';
            out += item;
        }
        return out;
    }

    std::string describe() const { return canonical(0); }

private:
    static std::string duration(std::int64_t ms, unsigned style) {
        const auto n = static_cast<std::uint64_t>(ms);  // validate() rules out negatives
        switch (style & 3u) {
            case 1:
                if (n % 1000 == 0) return std::to_string(n / 1000) + "s";
                break;
            case 2:
                if (n <= std::numeric_limits<std::uint64_t>::max() / 1000) {
                    return std::to_string(n * 1000) + "us";
                }
                break;
            case 3:
                return " " + std::to_string(n) + " ms ";
            default:
                break;
        }
        return std::to_string(n) + "ms";
    }
};

// parse(text): the options, or the spdlog_ex message. Anything else thrown is a bug.
struct outcome {
    std::optional<coro_sink_options> options;
    std::string error;
};

outcome parse(std::string_view text, std::string_view input) {
    outcome out;
    try {
        out.options = coro_sink_options::parse(text);
    } catch (const spdlog::spdlog_ex &e) {
        out.error = e.what();
    } catch (const std::exception &e) {
        broken("parse() throws only spdlog_ex", input, e.what());
    } catch (...) {
        broken("parse() throws only spdlog_ex", input, "an exception of unknown type");
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char *>(data), size);
    const outcome first = parse(input, input);

    // Property 5.
    const outcome comma = parse(std::string(input) + ",", input);
    if (first.error != comma.error || first.options.has_value() != comma.options.has_value() ||
        (first.options && fields(*first.options) != fields(*comma.options))) {
        broken("a trailing comma changes nothing", input,
               first.options ? fields(*first.options).describe() : first.error);
    }

    if (!first.options) {
        check_error_message(first.error, input);
        return 0;
    }

    // Property 3.
    const coro_sink_options &o = *first.options;
    try {
        o.validate();
    } catch (const std::exception &e) {
        broken("parse() returns options that validate() accepts", input, e.what());
    }
    if (o.fallback_sink || o.error_handler || o.clock) {
        broken("parse() leaves fallback_sink, error_handler and clock empty", input, "");
    }

    // Property 4, in a style picked from the input so that every style gets exercised.
    const fields got(o);
    unsigned style = static_cast<unsigned>(size);
    for (const unsigned char c : input) style = style * 31u + c;
    const std::string text = got.canonical(style);
    const outcome again = parse(text, input);
    if (!again.options) {
        broken("the text built from the returned options parses", input,
               text + " -> " + again.error);
    }
    if (fields(*again.options) != got) {
        broken("the text built from the returned options parses back to the same fields", input,
               text + " -> " + fields(*again.options).describe());
    }
    return 0;
}
