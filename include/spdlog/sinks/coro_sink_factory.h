// coro_sink_factory.h - spdlog-style factories for loggers that write through a coro_sink.
//
//     #include <spdlog/sinks/coro_sink_factory.h>
//     auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>("app.log");
//     auto log = spdlog::coro_logger_mt("app", {file},
//     spdlog::sinks::coro_sink_options::reliable()); spdlog::get("app")->info("registered like
//     basic_logger_mt");
//
// Like spdlog's own factories (basic_logger_mt and friends), they create the sink and the
// logger, initialise the logger from the registry (global formatter, level including
// SPDLOG_LEVEL when loaded with spdlog::cfg::load_env_levels, error handler, flush level)
// and register it. They throw spdlog_ex when the name is taken or an option is invalid.
// Allocate; any thread.

#pragma once

#include <spdlog/details/synchronous_factory.h>
#include <spdlog/sinks/coro_sink.h>

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace spdlog {

// Declared here so that the check below needs no <spdlog/async.h>.
enum class async_overflow_policy;
template <async_overflow_policy OverflowPolicy>
struct async_factory_impl;

namespace sinks {
namespace coro_detail {
template <typename Factory>
struct is_async_factory : std::false_type {};
template <async_overflow_policy Policy>
struct is_async_factory<async_factory_impl<Policy>> : std::true_type {};
}  // namespace coro_detail
}  // namespace sinks

template <typename Factory = spdlog::synchronous_factory>
std::shared_ptr<logger> coro_logger_mt(std::string logger_name,
                                       std::vector<sink_ptr> sinks,
                                       sinks::coro_sink_options options = {}) {
    static_assert(!sinks::coro_detail::is_async_factory<Factory>::value,
                  "coro_logger_mt with spdlog::async_factory would queue every message twice "
                  "(spdlog's thread pool, then the coro_sink): use the default "
                  "spdlog::synchronous_factory; coro_sink is already asynchronous");
    return Factory::template create<sinks::coro_sink_mt>(std::move(logger_name), std::move(sinks),
                                                         std::move(options));
}

template <typename Factory = spdlog::synchronous_factory>
std::shared_ptr<logger> coro_logger_st(std::string logger_name,
                                       std::vector<sink_ptr> sinks,
                                       sinks::coro_sink_options options = {}) {
    static_assert(!sinks::coro_detail::is_async_factory<Factory>::value,
                  "coro_logger_st with spdlog::async_factory would queue every message twice "
                  "(spdlog's thread pool, then the coro_sink): use the default "
                  "spdlog::synchronous_factory; coro_sink is already asynchronous");
    return Factory::template create<sinks::coro_sink_st>(std::move(logger_name), std::move(sinks),
                                                         std::move(options));
}

}  // namespace spdlog
