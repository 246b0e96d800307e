// thread_driver.cpp - producer threads logging through a coro_sink that owns its worker thread.
//
// With coro_driver::thread the sink's own thread writes the batches; the producers only copy
// their message into the queue, and wake the worker on rare edges, not per message. Four
// threads log 5000 messages each into one file. overflow_strategy::block makes a producer
// wait for room instead of dropping; logger->flush() waits until everything is written.
//
// Checks: the file holds all 20000 messages, each thread's in the order it logged them, and
// the stats add up (none dropped, none failed, nothing left queued).

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/coro_sink_factory.h>
#include <spdlog/spdlog.h>

#include "example_print.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

int main() {
    auto options = spdlog::sinks::coro_sink_options::high_throughput();
    options.driver = spdlog::sinks::coro_driver::thread;
    options.max_queue_size = 4096;
    options.overflow = spdlog::sinks::overflow_strategy::block;

    auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>("thread_driver.log", true);
    auto log =
        spdlog::coro_logger_mt("ingest", {file}, options);  // registered, like basic_logger_mt
    log->set_pattern("%Y-%m-%d %H:%M:%S.%f [%n] [tid %t] %v");
    // The factory made the coro_sink; keep a handle on it for its stats.
    auto coro = std::static_pointer_cast<spdlog::sinks::coro_sink_mt>(log->sinks().front());

    constexpr int producers = 4;
    constexpr int per_producer = 5000;
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p) {
        threads.emplace_back([p] {
            auto ingest = spdlog::get("ingest");
            for (int i = 0; i < per_producer; ++i) {
                ingest->info("producer {} record {}", p, i);
            }
        });
    }
    for (auto &t : threads) {
        t.join();
    }
    log->flush();  // blocks until the worker thread has written and flushed everything

    const auto s = coro->stats();
    example::print("submitted {}, processed {}, dropped {}, failed {}, queued {}\n",
                   s.messages_submitted, s.messages_processed, s.messages_dropped,
                   s.messages_failed, s.queue_size);
    example::print("queue_high_water {} of {}, worker_restarts {}, backend_errors {}\n",
                   s.queue_high_water, s.queue_capacity, s.worker_restarts, s.backend_errors);

    // Read the file back: every record once, each producer's in order.
    std::vector<int> next(producers, 0);
    bool in_order = true;
    std::ifstream in("thread_driver.log");
    for (std::string line; std::getline(in, line);) {
        int p = -1;
        int i = -1;
        const auto text = line.find("producer ");
        if (text == std::string::npos ||
            std::sscanf(line.c_str() + text, "producer %d record %d", &p, &i) != 2 || p < 0 ||
            p >= producers || i != next[p]) {
            in_order = false;
            break;
        }
        ++next[p];
    }
    example::print("thread_driver.log: each producer's records complete and in order: {}\n",
                   in_order && next == std::vector<int>(producers, per_producer));

    constexpr auto total = static_cast<std::uint64_t>(producers * per_producer);
    const bool ok = in_order && next == std::vector<int>(producers, per_producer) &&
                    s.messages_submitted == total && s.messages_processed == total &&
                    s.messages_dropped == 0 && s.messages_failed == 0 && s.queue_size == 0;
    example::print("thread_driver: {}\n", ok ? "ok" : "FAILED");
    spdlog::shutdown();  // drops the logger: the sink's destructor joins its thread
    return ok ? 0 : 1;
}
