// test_copy_then_queue.cpp - a queued message owns copies of its payload and logger name,
// and the wrapped sinks see the original level, time, thread id and source location.

#include "catch.h"
#include "fake_clock.h"
#include "test_options_helper.h"
#include "test_sink.h"

#include <spdlog/details/log_msg.h>
#include <spdlog/details/os.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/coro_sink.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using spdlog::sinks::coro_driver;
using spdlog::sinks::coro_sink_mt;
using spdlog::sinks::coro_sink_options;

namespace {

coro_sink_options manual_options(const std::shared_ptr<fake_clock> &clock) {
    return test_options(coro_driver::manual, 100, 10000, clock);
}

}  // namespace

TEST_CASE("payload and logger name are copied before log() returns", "[copy]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    coro_sink_mt sink({out}, manual_options(clock));

    // One short message (fits a slot's inline room) and one long one (heap copy).
    const std::string short_payload = "short payload";
    const std::string long_payload(5000, 'p');
    const std::string short_name = "short-name";
    const std::string long_name(3000, 'n');

    for (const auto &[payload, name] :
         {std::pair{short_payload, short_name}, std::pair{long_payload, long_name}}) {
        std::string payload_buf = payload;
        std::string name_buf = name;
        spdlog::details::log_msg msg(spdlog::string_view_t(name_buf.data(), name_buf.size()),
                                     spdlog::level::info,
                                     spdlog::string_view_t(payload_buf.data(), payload_buf.size()));
        sink.log(msg);
        // The caller's buffers are reused before the worker runs.
        std::fill(payload_buf.begin(), payload_buf.end(), 'X');
        std::fill(name_buf.begin(), name_buf.end(), 'Y');
        payload_buf.clear();
        payload_buf.shrink_to_fit();
        name_buf.clear();
        name_buf.shrink_to_fit();
    }
    REQUIRE(out->size() == 0);  // manual driver: still queued

    sink.flush();
    const auto got = out->messages();
    REQUIRE(got.size() == 2);
    CHECK(got[0].payload == short_payload);
    CHECK(got[0].logger_name == short_name);
    CHECK(got[1].payload == long_payload);
    CHECK(got[1].logger_name == long_name);
    CHECK(got[0].formatted.find(short_payload) != std::string::npos);
}

TEST_CASE("the wrapped sink sees the original level, time, thread id and source location",
          "[copy]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    coro_sink_mt sink({out}, manual_options(clock));

    const auto original_time = spdlog::log_clock::time_point(std::chrono::seconds(1234567890)) +
                               std::chrono::microseconds(42);
    const spdlog::source_loc where{"some/file.cpp", 77, "some_function"};
    {
        std::string payload = "with source";
        spdlog::details::log_msg msg(original_time, where, "named", spdlog::level::critical,
                                     spdlog::string_view_t(payload.data(), payload.size()));
        msg.thread_id = 4242;
        sink.log(msg);
        payload.assign(payload.size(), '?');
    }
    {
        spdlog::details::log_msg msg("plain", spdlog::level::trace, "no source");
        msg.time = original_time + 5s;
        msg.thread_id = 7;
        sink.log(msg);
    }
    clock->advance(3s);  // time passes before the worker writes
    sink.flush();

    const auto got = out->messages();
    REQUIRE(got.size() == 2);
    CHECK(got[0].payload == "with source");
    CHECK(got[0].logger_name == "named");
    CHECK(got[0].level == spdlog::level::critical);
    CHECK(got[0].time == original_time);
    CHECK(got[0].thread_id == 4242);
    CHECK(got[0].source_file == "some/file.cpp");
    CHECK(got[0].source_line == 77);
    CHECK(got[0].source_func == "some_function");

    CHECK(got[1].payload == "no source");
    CHECK(got[1].level == spdlog::level::trace);
    CHECK(got[1].time == original_time + 5s);
    CHECK(got[1].thread_id == 7);
    CHECK(got[1].source_file.empty());
    CHECK(got[1].source_line == 0);
}

TEST_CASE("through a logger, formatted arguments are copied and the call site kept", "[copy]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto sink =
        std::make_shared<coro_sink_mt>(std::vector<spdlog::sink_ptr>{out}, manual_options(clock));
    auto logger = std::make_shared<spdlog::logger>("app", sink);
    logger->set_level(spdlog::level::trace);

    std::string arg = "argument";
    logger->warn("hello {} {}", arg, 42);
    arg = "changed";
    logger->log(spdlog::source_loc{"caller.cpp", 9, "caller"}, spdlog::level::debug, "located");
    const auto caller_thread = spdlog::details::os::thread_id();

    sink->flush();
    const auto got = out->messages();
    REQUIRE(got.size() == 2);
    CHECK(got[0].payload == "hello argument 42");
    CHECK(got[0].logger_name == "app");
    CHECK(got[0].level == spdlog::level::warn);
    CHECK(got[0].thread_id == caller_thread);
    CHECK(got[0].formatted.find("[app] [warning] hello argument 42") != std::string::npos);
    CHECK(got[1].level == spdlog::level::debug);
    CHECK(got[1].source_file == "caller.cpp");
    CHECK(got[1].source_line == 9);
    CHECK(got[1].source_func == "caller");
}
