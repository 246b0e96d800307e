// coro_sink_base.cpp - the public coro_sink API, each call handed straight to the engine.
//
// coro_sink<Mutex> (include/spdlog/sinks/coro_sink.h) only chooses thread_safe; everything
// else is here, compiled once into the library, so the engine (sink/coro_core.h) and its
// <coroutine> stay out of users' translation units. The contracts are in the header.

#include <spdlog/sinks/coro_sink.h>

#include "coro_core.h"

#include <spdlog/pattern_formatter.h>

#include <utility>

namespace spdlog {
namespace sinks {

namespace coro_detail {
void coro_core_deleter::operator()(coro_core *core) const noexcept {
    if (core->close()) delete core;  // else its stuck worker thread deletes it on the way out
}
}  // namespace coro_detail

coro_sink_base::coro_sink_base(std::vector<sink_ptr> sinks,
                               coro_sink_options options,
                               bool thread_safe)
    : core_(new coro_detail::coro_core(std::move(sinks), std::move(options), thread_safe)) {}

coro_sink_base::~coro_sink_base() = default;

void coro_sink_base::log(const details::log_msg &msg) { core_->log(msg); }

void coro_sink_base::flush() { core_->flush_for(core_->options().flush_timeout); }

bool coro_sink_base::flush_for(std::chrono::milliseconds timeout) {
    return core_->flush_for(timeout);
}

std::size_t coro_sink_base::poll() { return core_->poll(); }

coro_sink_stats coro_sink_base::stats() const { return core_->stats(); }

const coro_sink_options &coro_sink_base::options() const { return core_->options(); }

void coro_sink_base::set_pattern(const std::string &pattern) {
    core_->sinks().set_formatter(std::make_unique<spdlog::pattern_formatter>(pattern));
}

void coro_sink_base::set_formatter(std::unique_ptr<spdlog::formatter> sink_formatter) {
    core_->sinks().set_formatter(std::move(sink_formatter));
}

void coro_sink_base::add_sink(sink_ptr sub_sink) { core_->sinks().add(std::move(sub_sink)); }

void coro_sink_base::remove_sink(const sink_ptr &sub_sink) { core_->sinks().remove(sub_sink); }

void coro_sink_base::set_sinks(std::vector<sink_ptr> sinks) {
    core_->sinks().set(std::move(sinks));
}

std::vector<sink_ptr> coro_sink_base::sinks() const { return core_->sinks().copy(); }

}  // namespace sinks
}  // namespace spdlog
