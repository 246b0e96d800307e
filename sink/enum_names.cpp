// enum_names.cpp - the text names of overflow_strategy, coro_driver, coro_worker_state and
// coro_event_kind: every enum of the public API is named here and nowhere else.

#include <spdlog/sinks/coro_sink_events.h>
#include <spdlog/sinks/coro_sink_options.h>
#include <spdlog/sinks/coro_sink_stats.h>

namespace spdlog {
namespace sinks {

const char *to_string(overflow_strategy strategy) noexcept {
    switch (strategy) {
        case overflow_strategy::drop_oldest:
            return "drop_oldest";
        case overflow_strategy::drop_newest:
            return "drop_newest";
        case overflow_strategy::block:
            return "block";
    }
    return "unknown";
}

const char *to_string(coro_driver driver) noexcept {
    switch (driver) {
        case coro_driver::cooperative:
            return "cooperative";
        case coro_driver::manual:
            return "manual";
        case coro_driver::thread:
            return "thread";
        case coro_driver::event_loop:
            return "event_loop";
    }
    return "unknown";
}

const char *to_string(coro_worker_state state) noexcept {
    switch (state) {
        case coro_worker_state::running:
            return "running";
        case coro_worker_state::backing_off:
            return "backing_off";
        case coro_worker_state::fallback:
            return "fallback";
    }
    return "unknown";
}

const char *to_string(coro_event_kind kind) noexcept {
    switch (kind) {
        case coro_event_kind::overflow:
            return "overflow";
        case coro_event_kind::backend_error:
            return "backend_error";
        case coro_event_kind::restart:
            return "restart";
        case coro_event_kind::fallback:
            return "fallback";
        case coro_event_kind::recovery:
            return "recovery";
        case coro_event_kind::flush_timeout:
            return "flush_timeout";
    }
    return "unknown";
}

}  // namespace sinks
}  // namespace spdlog
