// stats_fields.h - the one table of coro_sink_stats' fields, which drives every text form.
//
// to_string(coro_sink_stats), the Prometheus export and its HELP texts all walk
// stats_fields, in struct order; nothing else lists the fields. Adding a field to
// coro_sink_stats is one row here, at the same place as in the struct:
//
//     gauge<&coro_sink_stats::queue_size>("queue_size", "Messages queued now, ..."),
//
// and a line in docs/monitoring.md. A static_assert below fails the build of the library
// when coro_sink_stats has a field this table lacks (or the other way round); the kind of
// each row is checked against the member's type.

#pragma once

#include <spdlog/sinks/coro_sink_stats.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>
#include <type_traits>
#include <utility>

namespace spdlog {
namespace sinks {
namespace coro_detail {

// How a field reads as text, and what it is in Prometheus.
enum class stats_kind {
    counter,   // unsigned integer that only grows. "name=12"; counter <prefix>name_total.
    gauge,     // unsigned integer level. "name=12"; gauge <prefix>name.
    flag,      // bool. "name=true"; gauge <prefix>name, 1 or 0.
    state,     // coro_worker_state. "name=running"; gauge <prefix>name{state="..."} with one
               // sample per state in worker_states: 1 for the current one, 0 for the others.
    duration,  // std::chrono::duration, never negative. "name=1500000ns" (nanoseconds);
               // gauge <prefix>name_seconds, in seconds with up to nine decimals.
};

struct stats_field {
    std::string_view name;  // to_string key; the Prometheus name without prefix and suffix
    stats_kind kind;
    std::string_view help;  // one line for # HELP: no backslash, no newline
    // The value as an integer: the count (counter, gauge), 1 or 0 (flag), the enum's
    // underlying value (state), nanoseconds, negative ones read as 0 (duration).
    std::uint64_t (*read)(const coro_sink_stats &) noexcept;
};

// Every coro_worker_state, in the order of its samples in the Prometheus export.
inline constexpr coro_worker_state worker_states[] = {
    coro_worker_state::running,
    coro_worker_state::backing_off,
    coro_worker_state::fallback,
};

// The Prometheus label that tells the states of a state field apart. Users' labels may
// not use it.
inline constexpr std::string_view state_label = "state";

// --- the rows' builders: each checks that its kind fits the member's type ------------------

template <typename T>
T member_type_of(T coro_sink_stats::*);
template <auto Member>
using member_t = decltype(member_type_of(Member));

template <typename T>
struct is_duration : std::false_type {};
template <typename Rep, typename Period>
struct is_duration<std::chrono::duration<Rep, Period>> : std::true_type {};

template <auto Member>
std::uint64_t read_unsigned(const coro_sink_stats &s) noexcept {
    return static_cast<std::uint64_t>(s.*Member);
}
template <auto Member>
std::uint64_t read_flag(const coro_sink_stats &s) noexcept {
    return s.*Member ? 1 : 0;
}
template <auto Member>
std::uint64_t read_state(const coro_sink_stats &s) noexcept {
    return static_cast<std::uint64_t>(
        static_cast<std::underlying_type_t<coro_worker_state>>(s.*Member));
}
template <auto Member>
std::uint64_t read_duration(const coro_sink_stats &s) noexcept {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(s.*Member).count();
    return ns > 0 ? static_cast<std::uint64_t>(ns) : 0;
}

template <auto Member>
constexpr stats_field counter(std::string_view name, std::string_view help) {
    using T = member_t<Member>;
    static_assert(
        std::is_unsigned_v<T> && !std::is_same_v<T, bool> && sizeof(T) <= sizeof(std::uint64_t),
        "a counter is an unsigned integer of at most 64 bits");
    return {name, stats_kind::counter, help, &read_unsigned<Member>};
}
template <auto Member>
constexpr stats_field gauge(std::string_view name, std::string_view help) {
    using T = member_t<Member>;
    static_assert(
        std::is_unsigned_v<T> && !std::is_same_v<T, bool> && sizeof(T) <= sizeof(std::uint64_t),
        "a gauge is an unsigned integer of at most 64 bits");
    return {name, stats_kind::gauge, help, &read_unsigned<Member>};
}
template <auto Member>
constexpr stats_field flag(std::string_view name, std::string_view help) {
    static_assert(std::is_same_v<member_t<Member>, bool>, "a flag is a bool");
    return {name, stats_kind::flag, help, &read_flag<Member>};
}
template <auto Member>
constexpr stats_field state(std::string_view name, std::string_view help) {
    static_assert(std::is_same_v<member_t<Member>, coro_worker_state>,
                  "a state is a coro_worker_state (another enum needs its own kind)");
    return {name, stats_kind::state, help, &read_state<Member>};
}
template <auto Member>
constexpr stats_field duration(std::string_view name, std::string_view help) {
    static_assert(is_duration<member_t<Member>>::value, "a duration is a std::chrono::duration");
    return {name, stats_kind::duration, help, &read_duration<Member>};
}

// --- the table -----------------------------------------------------------------------------

// In the order of coro_sink_stats' members. The help texts are those of docs/monitoring.md.
inline constexpr stats_field stats_fields[] = {
    counter<&coro_sink_stats::messages_submitted>(
        "messages_submitted",
        "Calls to log() that reached the sink, after the logger's level filter."),
    counter<&coro_sink_stats::messages_processed>(
        "messages_processed",
        "Messages every wrapped sink accepted, plus those the fallback sink accepted."),
    counter<&coro_sink_stats::messages_dropped>(
        "messages_dropped",
        "Messages discarded by an overflow rule (queue_overflows + block_timeouts)."),
    counter<&coro_sink_stats::messages_failed>(
        "messages_failed",
        "Messages that could not be written anywhere (fallback without a usable fallback sink)."),
    counter<&coro_sink_stats::queue_overflows>("queue_overflows",
                                               "Messages dropped because the queue was full."),
    counter<&coro_sink_stats::block_timeouts>(
        "block_timeouts",
        "Producers under the block strategy that waited block_timeout and dropped their message."),
    counter<&coro_sink_stats::worker_restarts>(
        "worker_restarts", "Times the worker coroutine was started again after a crash."),
    counter<&coro_sink_stats::backend_errors>(
        "backend_errors",
        "Exceptions thrown by wrapped sinks (log or flush) and by the fallback sink."),
    counter<&coro_sink_stats::flush_timeouts>(
        "flush_timeouts", "Flushes and destructor drains that ran out of time."),
    counter<&coro_sink_stats::fallback_writes>(
        "fallback_writes", "Messages the fallback sink accepted (included in messages_processed)."),
    counter<&coro_sink_stats::fallback_activations>("fallback_activations",
                                                    "Times the sink entered synchronous fallback."),
    counter<&coro_sink_stats::fallback_recoveries>(
        "fallback_recoveries",
        "Times the sink left synchronous fallback because the wrapped sinks took messages again."),
    gauge<&coro_sink_stats::queue_size>("queue_size",
                                        "Messages queued now, including one waiting for a retry."),
    gauge<&coro_sink_stats::queue_high_water>("queue_high_water",
                                              "The most messages ever queued at once."),
    gauge<&coro_sink_stats::queue_capacity>("queue_capacity",
                                            "Bound on queued messages (max_queue_size)."),
    duration<&coro_sink_stats::oldest_message_age>(
        "oldest_message_age",
        "How long the oldest queued message has waited, on the sink's clock; 0 when empty."),
    state<&coro_sink_stats::worker_state>("worker_state",
                                          "Worker health: 1 for the current state (running, "
                                          "backing_off, fallback), 0 for the others."),
    flag<&coro_sink_stats::fallback_active>(
        "fallback_active",
        "1 while the sink writes synchronously (worker_state fallback), else 0."),
};

// --- checks --------------------------------------------------------------------------------

// The number of members of an aggregate: the largest N for which T{x1, ..., xN} compiles,
// each x converting to any member type. Unlike sizeof, it also sees a small member added
// into the struct's tail padding.
struct to_any_member {
    template <typename T>
    operator T() const noexcept;  // declared only: used in unevaluated operands
};
template <typename T, std::size_t... I>
constexpr bool brace_initializable_with(std::index_sequence<I...>) {
    return requires { T{(static_cast<void>(I), to_any_member{})...}; };
}
template <typename T, std::size_t N = 0>
constexpr std::size_t aggregate_member_count() {
    if constexpr (brace_initializable_with<T>(std::make_index_sequence<N + 1>{})) {
        return aggregate_member_count<T, N + 1>();
    } else {
        return N;
    }
}

// If this fails, coro_sink_stats gained or lost a field: add (or remove) its row in
// stats_fields above, at its place in the struct, and its line in docs/monitoring.md
// (a test compares that file with this table). The test "the field table has one row per
// member" (tests/test_stats_format.cpp) initialises the struct by position: give the new
// member a value there too; it then checks that each row reads the member at its place.
static_assert(std::is_aggregate_v<coro_sink_stats>, "coro_sink_stats must stay an aggregate");
static_assert(aggregate_member_count<coro_sink_stats>() == std::size(stats_fields),
              "coro_sink_stats and stats_fields (sink/stats_fields.h) disagree: every field of "
              "coro_sink_stats needs one row in stats_fields, in struct order");

constexpr std::string_view suffix_of(stats_kind kind) {
    switch (kind) {
        case stats_kind::counter:
            return "_total";
        case stats_kind::duration:
            return "_seconds";
        case stats_kind::gauge:
        case stats_kind::flag:
        case stats_kind::state:
            break;
    }
    return "";
}

// a1 + b1 == a2 + b2, without building the strings.
constexpr bool same_concatenation(std::string_view a1,
                                  std::string_view b1,
                                  std::string_view a2,
                                  std::string_view b2) {
    if (a1.size() + b1.size() != a2.size() + b2.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a1.size() + b1.size(); ++i) {
        const char c1 = i < a1.size() ? a1[i] : b1[i - a1.size()];
        const char c2 = i < a2.size() ? a2[i] : b2[i - a2.size()];
        if (c1 != c2) {
            return false;
        }
    }
    return true;
}

// Names are lower-case snake_case (valid in any metric name after a valid prefix), help
// texts need no escaping, and no two rows give the same metric name.
constexpr bool stats_fields_are_well_formed() {
    for (std::size_t i = 0; i < std::size(stats_fields); ++i) {
        const stats_field &f = stats_fields[i];
        if (f.name.empty() || f.help.empty() || f.name.front() == '_') {
            return false;
        }
        for (const char c : f.name) {
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
                return false;
            }
        }
        if (f.name.front() >= '0' && f.name.front() <= '9') {
            return false;
        }
        for (const char c : f.help) {
            if (c == '\\' || c == '\n' || c == '\r') {
                return false;
            }
        }
        for (std::size_t j = 0; j < i; ++j) {
            const stats_field &g = stats_fields[j];
            if (f.name == g.name ||
                same_concatenation(f.name, suffix_of(f.kind), g.name, suffix_of(g.kind))) {
                return false;
            }
        }
    }
    return true;
}
static_assert(stats_fields_are_well_formed(),
              "stats_fields: a name is not lower-case snake_case, a help text holds a "
              "backslash or a newline, or two rows give the same metric name");

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
