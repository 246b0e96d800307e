// asio_loop.cpp - coro_sink's worker running on an asio::io_context (coro_driver::event_loop).
//
// The sink creates no thread and log() never writes: when work becomes due, the sink hands a
// resumption to the scheduler below, which posts it to the io_context (or arms a
// steady_timer when it is due later), and io.run() writes the batches between the
// application's own handlers. Here the loop runs a timer that logs on every tick, another
// thread logs too, and io.run() returns once all of that is done and nothing is left to
// write. Needs standalone Asio (Debian: libasio-dev), compiled with ASIO_STANDALONE.
//
// Checks: when io.run() returns, the loop has written every message (none was left for
// flush() or the destructor), and it took far fewer resumptions than messages.

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/coro_sink.h>
#include <spdlog/spdlog.h>

#include "example_print.h"

#include <asio.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

int main() {
    asio::io_context io;

    std::atomic<int> posted{0};
    std::atomic<int> timed{0};
    spdlog::sinks::coro_sink_options options;
    options.driver = spdlog::sinks::coro_driver::event_loop;
    options.batch_size = 64;
    options.flush_interval = 10ms;
    // Called on edges only, from whichever thread noticed one: asio::post and timers on the
    // io_context are safe from any thread.
    options.scheduler = [&](spdlog::sinks::coro_resume resume, std::chrono::nanoseconds delay) {
        if (delay <= std::chrono::nanoseconds::zero()) {
            ++posted;
            asio::post(io, resume);
            return;
        }
        ++timed;
        auto timer = std::make_shared<asio::steady_timer>(io, delay);
        // Run it even if the timer was cancelled: a stale resumption does no harm.
        timer->async_wait([timer, resume](const asio::error_code &) { resume(); });
    };

    auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>("asio_loop.log", true);
    auto coro =
        std::make_shared<spdlog::sinks::coro_sink_mt>(std::vector<spdlog::sink_ptr>{file}, options);
    auto log = std::make_shared<spdlog::logger>("asio", coro);
    log->set_pattern("%H:%M:%S.%f [%n] [tid %t] %v");

    // Work on the loop: a timer ticking every millisecond, logging each tick.
    constexpr int ticks = 100;
    int tick = 0;
    asio::steady_timer ticker(io, 1ms);
    std::function<void(const asio::error_code &)> on_tick = [&](const asio::error_code &) {
        log->info("tick {}", ++tick);
        if (tick < ticks) {
            ticker.expires_after(1ms);
            ticker.async_wait(on_tick);
        }
    };
    ticker.async_wait(on_tick);

    // Work from elsewhere: a thread logs too. The work guard keeps io.run() going until that
    // thread is done; its last act is to release the guard on the loop.
    constexpr int requests = 2000;
    auto guard = asio::make_work_guard(io);
    std::thread producer([&] {
        for (int i = 1; i <= requests; ++i) {
            log->info("request {} handled", i);
        }
        asio::post(io, [&guard] { guard.reset(); });
    });

    io.run();  // returns when the ticks, the producer and the sink's writes are all done
    producer.join();

    const auto s = coro->stats();
    example::print(
        "io.run() returned: {} ticks + {} requests logged, {} written by the loop, {} queued\n",
        tick, requests, s.messages_processed, s.queue_size);
    example::print("the sink asked for {} resumptions: {} posted, {} on a steady_timer\n",
                   posted + timed, posted.load(), timed.load());

    const int logged = ticks + requests;
    const bool ok = tick == ticks && s.messages_submitted == logged &&
                    s.messages_processed == logged && s.queue_size == 0 &&
                    posted + timed < logged / 4;  // on edges, not per message
    example::print("asio_loop: {}\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
