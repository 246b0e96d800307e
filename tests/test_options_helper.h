// test_options_helper.h - the options most tests start from.

#pragma once

#include "fake_clock.h"
#include "test_sink.h"

#include <spdlog/sinks/coro_sink_options.h>

#include <cstddef>
#include <memory>

// The defaults with the given driver, batch size and bound; time from `clock` and errors
// into `errors` when given (else the real clock and the default handler).
inline spdlog::sinks::coro_sink_options test_options(
    spdlog::sinks::coro_driver driver,
    std::size_t batch_size,
    std::size_t max_queue_size,
    const std::shared_ptr<fake_clock> &clock = nullptr,
    const std::shared_ptr<error_log> &errors = nullptr) {
    spdlog::sinks::coro_sink_options o;
    o.driver = driver;
    o.batch_size = batch_size;
    o.max_queue_size = max_queue_size;
    if (clock) o.clock = clock->source();
    if (errors) o.error_handler = error_log::handler_for(errors);
    return o;
}
