// driver.cpp - the driver options().driver names. Its own file, so the core includes only
// the driver interface and the drivers, which run the core, sit above it.

#include "driver.h"

#include "event_loop_driver.h"
#include "inline_driver.h"
#include "thread_driver.h"

namespace spdlog {
namespace sinks {
namespace coro_detail {

std::unique_ptr<driver> make_driver(coro_core &core) {
    switch (core.options().driver) {
        case coro_driver::thread:
            return std::make_unique<thread_driver>(core);
        case coro_driver::event_loop:
            return std::make_unique<event_loop_driver>(core);
        case coro_driver::cooperative:
            return std::make_unique<inline_driver>(core, true);
        case coro_driver::manual:
            break;
    }
    return std::make_unique<inline_driver>(core, false);
}

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
