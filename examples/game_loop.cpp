// game_loop.cpp - a frame loop that logs freely and gives coro_sink one poll() per frame.
//
// With coro_driver::manual, log() only copies the message into the queue: no I/O during the
// frame, whatever triggers are due. The loop calls poll() once per frame, where a little
// I/O is acceptable; poll() writes at most batch_size messages, so the frame's logging cost
// is bounded. On exit, flush() writes the rest. The whole game runs on one thread, hence
// coro_sink_st and basic_file_sink_st.
//
// Checks: no message was written while a frame was logging, no poll() wrote more than a
// batch, and after flush() every message was written, none dropped.

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/coro_sink.h>
#include <spdlog/spdlog.h>

#include "example_print.h"

#include <algorithm>
#include <cstddef>
#include <memory>
#include <vector>

int main() {
    auto file = std::make_shared<spdlog::sinks::basic_file_sink_st>("game_loop.log", true);

    spdlog::sinks::coro_sink_options options;
    options.driver = spdlog::sinks::coro_driver::manual;  // log() never writes
    options.batch_size = 16;                              // at most 16 lines per poll()
    options.max_queue_size = 1024;                        // room for a long backlog
    auto coro =
        std::make_shared<spdlog::sinks::coro_sink_st>(std::vector<spdlog::sink_ptr>{file}, options);
    auto log = std::make_shared<spdlog::logger>("game", coro);
    log->set_pattern("[%H:%M:%S.%f] %l %v");

    constexpr int frames = 120;
    bool wrote_during_frame = false;
    std::size_t most_per_poll = 0;
    std::size_t logged = 0;
    for (int frame = 1; frame <= frames; ++frame) {
        const auto written_before = coro->stats().messages_processed;

        // Update and render: entities log what they do, 6 to 14 messages a frame.
        const int entities = 6 + frame % 9;
        for (int entity = 0; entity < entities; ++entity) {
            log->info("frame {} entity {} moved to ({}, {})", frame, entity, frame * 3, entity);
            ++logged;
        }
        if (frame % 40 == 0) {
            log->warn("frame {} took 21 ms (budget 16 ms)", frame);
            ++logged;
        }
        wrote_during_frame =
            wrote_during_frame || coro->stats().messages_processed != written_before;

        // End of frame: the sink's turn.
        most_per_poll = std::max(most_per_poll, coro->poll());
    }
    const auto before_exit = coro->stats();
    coro->flush();  // on exit: write and flush whatever the last frames left queued
    const auto stats = coro->stats();

    example::print("{} frames logged {} messages; log() wrote none during a frame: {}\n", frames,
                   logged, !wrote_during_frame);
    example::print("poll() wrote {} in all, at most {} per frame (batch_size {})\n",
                   before_exit.messages_processed, most_per_poll, options.batch_size);
    example::print("flush() on exit wrote the last {}; processed {}, dropped {}\n",
                   before_exit.queue_size, stats.messages_processed, stats.messages_dropped);

    const bool ok = !wrote_during_frame && most_per_poll == options.batch_size &&
                    before_exit.queue_size > 0 && stats.messages_processed == logged &&
                    stats.messages_dropped == 0 && stats.queue_size == 0;
    example::print("game_loop: {}\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
