// guarded_call.h - the one place where user code is called and its exceptions stopped.
//
// A wrapped sink's log() and flush(), the fallback sink, the on_event handler and the event
// loop's scheduler are user code: whatever they throw must never reach the producer or the
// worker coroutine. Every such call goes through guarded_call, so "what counts as a failure
// and how it is described" is decided here once:
//
//     if (!guarded_call([&] { s->log(msg); },
//                       [&](const char *what) { sink_failed("log", what); })) { ... }
//
// Blocks: as `call` does. Allocates: nothing of its own. Throws: never (on_failure must not
// throw either; it runs inside the catch block, while the exception's text is alive).
// Threads: the caller's.

#pragma once

#include <exception>
#include <utility>

namespace spdlog {
namespace sinks {
namespace coro_detail {

// The text a failure is described with when the exception is not a std::exception.
inline constexpr const char *unknown_exception = "unknown exception";

// Calls call(); returns true when it returned, false when it threw, after calling
// on_failure(what) with the exception's what() (or unknown_exception).
template <typename Call, typename OnFailure>
bool guarded_call(Call &&call, OnFailure &&on_failure) noexcept {
    try {
        std::forward<Call>(call)();
        return true;
    } catch (const std::exception &e) {
        on_failure(e.what());
    } catch (...) {
        on_failure(unknown_exception);
    }
    return false;
}

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
