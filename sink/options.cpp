// options.cpp - the presets of coro_sink_options and its validation.

#include <spdlog/sinks/coro_sink_options.h>

#include "text.h"

#include <cstdint>
#include <string>

namespace spdlog {
namespace sinks {

coro_sink_options coro_sink_options::high_throughput() {
    coro_sink_options o;
    o.batch_size = 100;
    o.flush_interval = std::chrono::milliseconds(50);
    o.max_queue_size = 50000;
    o.overflow = overflow_strategy::drop_oldest;
    return o;
}

coro_sink_options coro_sink_options::memory_constrained() {
    coro_sink_options o;
    o.batch_size = 10;
    o.flush_interval = std::chrono::milliseconds(1000);
    o.max_queue_size = 1000;
    o.overflow = overflow_strategy::drop_oldest;
    return o;
}

coro_sink_options coro_sink_options::reliable() {
    coro_sink_options o;
    o.batch_size = 1;
    o.flush_interval = std::chrono::milliseconds(100);
    o.overflow = overflow_strategy::block;
    return o;
}

namespace {
// Every validation error has the same shape, so users can grep for it:
//   coro_sink_options: <field> = <value> is invalid; valid range: <range>
[[noreturn]] void reject(const char *field, const std::string &value, const std::string &range) {
    throw_spdlog_ex(coro_detail::concat("coro_sink_options: ", field, " = ", value,
                                        " is invalid; valid range: ", range));
}

std::string ms(std::chrono::milliseconds d) { return coro_detail::concat(d); }

// Ring positions are 64-bit tickets and slot indexes are computed modulo the capacity;
// 2^32 slots (over 800 GB of queue) is far beyond any sane configuration.
constexpr std::size_t max_queue_limit = std::size_t{1} << 32;
}  // namespace

void coro_sink_options::validate() const {
    if (max_queue_size < 1 || max_queue_size > max_queue_limit) {
        reject("max_queue_size", std::to_string(max_queue_size),
               coro_detail::concat("1 .. ", max_queue_limit));
    }
    if (batch_size < 1 || batch_size > max_queue_size) {
        reject("batch_size", std::to_string(batch_size),
               coro_detail::concat("1 .. max_queue_size (", max_queue_size, ")"));
    }
    if (flush_interval.count() <= 0) {
        reject("flush_interval", ms(flush_interval), "> 0ms");
    }
    if (flush_timeout.count() <= 0) {
        reject("flush_timeout", ms(flush_timeout), "> 0ms");
    }
    if (restart_backoff.count() < 0) {
        reject("restart_backoff", ms(restart_backoff), ">= 0ms");
    }
    if (max_restart_backoff < restart_backoff) {
        reject("max_restart_backoff", ms(max_restart_backoff),
               coro_detail::concat(">= restart_backoff (", restart_backoff, ")"));
    }
    if (block_timeout.count() < 0) {
        reject("block_timeout", ms(block_timeout), ">= 0ms (0 = wait without limit)");
    }
    if (event_interval.count() < 0) {
        reject("event_interval", ms(event_interval), ">= 0ms (0 = a call per event)");
    }
    switch (overflow) {
        case overflow_strategy::drop_oldest:
        case overflow_strategy::drop_newest:
        case overflow_strategy::block:
            break;
        default:
            reject("overflow", std::to_string(static_cast<int>(overflow)),
                   "drop_oldest, drop_newest, block");
    }
    switch (driver) {
        case coro_driver::cooperative:
        case coro_driver::manual:
        case coro_driver::thread:
        case coro_driver::event_loop:
            break;
        default:
            reject("driver", std::to_string(static_cast<int>(driver)),
                   "cooperative, manual, thread, event_loop");
    }
    if (driver == coro_driver::event_loop && !scheduler) {
        reject("scheduler", "empty",
               "a callable; driver = event_loop hands the worker's resumptions to it (for "
               "example one that asio::post()s them onto an io_context)");
    }
    if (driver != coro_driver::event_loop && scheduler) {
        reject("scheduler", coro_detail::concat("set with driver = ", to_string(driver)),
               "empty unless driver = event_loop, the only driver that uses it");
    }
}

}  // namespace sinks
}  // namespace spdlog
