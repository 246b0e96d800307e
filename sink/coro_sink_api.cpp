// coro_sink_api.cpp - the functions coro_sink<Mutex> forwards to (declared in the public
// header). Temporary: replaced by coro_sink_base.

#include "coro_core.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/coro_sink.h>

namespace spdlog {
namespace sinks {
namespace coro_detail {

void coro_core_deleter::operator()(coro_core *core) const noexcept {
    if (core->close()) delete core;  // else its stuck worker thread deletes it on the way out
}

coro_core_ptr make_coro_core(std::vector<sink_ptr> sinks,
                             coro_sink_options options,
                             bool thread_safe) {
    return coro_core_ptr(new coro_core(std::move(sinks), std::move(options), thread_safe));
}
void core_log(coro_core &core, const details::log_msg &msg) noexcept { core.log(msg); }
void core_flush(coro_core &core) noexcept { core.flush_for(core.options().flush_timeout); }
bool core_flush_for(coro_core &core, std::chrono::milliseconds timeout) noexcept {
    return core.flush_for(timeout);
}
std::size_t core_poll(coro_core &core) noexcept { return core.poll(); }
void core_set_pattern(coro_core &core, const std::string &pattern) {
    core.sinks().set_formatter(std::make_unique<spdlog::pattern_formatter>(pattern));
}
void core_set_formatter(coro_core &core, std::unique_ptr<spdlog::formatter> formatter) {
    core.sinks().set_formatter(std::move(formatter));
}
void core_add_sink(coro_core &core, sink_ptr sink) { core.sinks().add(std::move(sink)); }
void core_remove_sink(coro_core &core, const sink_ptr &sink) { core.sinks().remove(sink); }
void core_set_sinks(coro_core &core, std::vector<sink_ptr> sinks) {
    core.sinks().set(std::move(sinks));
}
std::vector<sink_ptr> core_sinks(const coro_core &core) { return core.sinks().copy(); }
coro_sink_stats core_stats(const coro_core &core) noexcept { return core.stats(); }
const coro_sink_options &core_options(const coro_core &core) noexcept { return core.options(); }

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
