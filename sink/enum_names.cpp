// enum_names.cpp - the text names of overflow_strategy, coro_driver and coro_worker_state.

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

}  // namespace sinks
}  // namespace spdlog
