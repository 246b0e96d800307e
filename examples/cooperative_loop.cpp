// cooperative_loop.cpp - a service's main loop that gives coro_sink a turn between tasks.
//
// The cooperative driver (the default) creates no thread. A log() call that finds a full
// batch queued writes it inline; the loop's poll() between tasks writes what is left once
// the oldest message is flush_interval old, and flushes the file. No flush() call and no
// background thread are needed for the file to be complete.
//
// Checks: before any flush() or destructor, the file holds every message, written partly
// by log() (batch trigger) and partly by poll() (time trigger).

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/coro_sink.h>
#include <spdlog/spdlog.h>

#include "example_print.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

int main() {
    auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>("cooperative_loop.log", true);

    spdlog::sinks::coro_sink_options options;  // driver = coro_driver::cooperative
    options.batch_size = 32;
    options.flush_interval = 20ms;
    auto coro =
        std::make_shared<spdlog::sinks::coro_sink_mt>(std::vector<spdlog::sink_ptr>{file}, options);
    auto log = std::make_shared<spdlog::logger>("orders", coro);
    log->set_pattern("%Y-%m-%d %H:%M:%S.%e [%n] %l: %v");

    // The service's work: 100 requests waiting in the loop's task queue.
    constexpr int requests = 100;
    std::deque<std::function<void()>> tasks;
    for (int id = 1; id <= requests; ++id) {
        tasks.emplace_back([&log, id] { log->info("order {} accepted", id); });
    }

    // The main loop: run a task, then give the sink its turn. An idle loop would wait for
    // I/O or a timer here; this one waits a millisecond, and stops once the sink is empty.
    std::size_t written_by_poll = 0;
    const auto give_up = std::chrono::steady_clock::now() + 2s;
    while (std::chrono::steady_clock::now() < give_up) {
        if (!tasks.empty()) {
            tasks.front()();
            tasks.pop_front();
        } else if (coro->stats().queue_size == 0) {
            break;
        } else {
            std::this_thread::sleep_for(1ms);
        }
        written_by_poll += coro->poll();  // writes only when a trigger is due
    }

    const auto stats = coro->stats();
    std::ifstream in("cooperative_loop.log");
    const auto lines = std::count(std::istreambuf_iterator<char>(in), {}, '\n');
    const auto written_by_log = stats.messages_processed - written_by_poll;
    example::print("{} requests: log() wrote {} in batches of {}, poll() wrote {} once {} ms old\n",
                   requests, written_by_log, options.batch_size, written_by_poll,
                   options.flush_interval.count());
    example::print("cooperative_loop.log has {} lines before any flush()\n", lines);

    const bool ok = stats.messages_processed == requests && lines == requests &&
                    written_by_log > 0 && written_by_poll > 0;
    example::print("cooperative_loop: {}\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
