// worker_task.h - the coroutine type of the worker: a resumable step generator.
//
// The worker is a C++20 coroutine that loops forever: each time it is resumed it runs one
// step (write at most one batch if a trigger is due) and suspends with `co_yield n`, n being
// the number of messages it wrote. Whoever drives it (the caller of log() or poll(), a
// flush, later a thread or an event loop) calls resume() and reads the count.
//
// A wrapped sink that throws makes the worker coroutine end: the exception leaves the body,
// unhandled_exception() records the crash, and the frame stays suspended at its final
// point until the supervisor destroys it and starts a fresh one (the restart).
//
// Shape as in cppcoro's generator: lazy start (initial_suspend always suspends), a move-only
// owner that destroys the frame, final_suspend suspends so the owner can inspect it.

#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <utility>

namespace spdlog {
namespace sinks {
namespace coro_detail {

class worker_task {
public:
    struct promise_type {
        std::size_t written = 0;
        std::exception_ptr crash;

        worker_task get_return_object() noexcept {
            return worker_task(std::coroutine_handle<promise_type>::from_promise(*this));
        }
        std::suspend_always initial_suspend() noexcept { return {}; }
        std::suspend_always final_suspend() noexcept { return {}; }
        std::suspend_always yield_value(std::size_t n) noexcept {
            written = n;
            return {};
        }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { crash = std::current_exception(); }
    };

    // What one resumption did.
    struct step {
        std::size_t written = 0;  // messages written to every wrapped sink in this step
        bool crashed = false;     // the coroutine ended: it has to be restarted
    };

    worker_task() noexcept = default;
    worker_task(worker_task &&other) noexcept
        : handle_(std::exchange(other.handle_, {})) {}
    worker_task &operator=(worker_task &&other) noexcept {
        if (this != &other) {
            reset();
            handle_ = std::exchange(other.handle_, {});
        }
        return *this;
    }
    worker_task(const worker_task &) = delete;
    worker_task &operator=(const worker_task &) = delete;
    ~worker_task() { reset(); }

    // True when a coroutine is alive (started or not yet started, not crashed).
    bool alive() const noexcept { return handle_ && !handle_.done(); }

    // Runs one step. Precondition: alive(). Never throws (a crash is reported in the
    // result). Only the thread that holds the worker role may call it.
    step resume() noexcept {
        handle_.promise().written = 0;
        handle_.resume();
        if (handle_.done()) return step{0, true};
        return step{handle_.promise().written, false};
    }

    // Destroys the frame. Never throws.
    void reset() noexcept {
        if (handle_) {
            handle_.destroy();
            handle_ = {};
        }
    }

private:
    explicit worker_task(std::coroutine_handle<promise_type> h) noexcept
        : handle_(h) {}
    std::coroutine_handle<promise_type> handle_;
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
