// test_input.cpp - run-time input is never undefined behaviour: empty payloads, 1 MiB
// payloads, NUL and non-UTF-8 bytes, very long logger names, every size around a slot's
// inline room; all written intact, byte for byte.

#include "catch.h"
#include "fake_clock.h"
#include "test_options_helper.h"
#include "test_sink.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/coro_sink.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using spdlog::sinks::coro_driver;
using spdlog::sinks::coro_sink_mt;
using spdlog::sinks::coro_sink_options;
using spdlog::sinks::overflow_strategy;

namespace {

coro_sink_options input_options(const std::shared_ptr<fake_clock> &clock, coro_driver driver) {
    return test_options(driver, 4, 1000, clock);
}

// `size` bytes cycling through all 256 byte values, NUL and invalid UTF-8 included.
std::string all_bytes(std::size_t size, unsigned seed = 0) {
    std::string s(size, '\0');
    for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 7 + seed) % 256);
    return s;
}

// A string of every byte of a literal, embedded NULs included.
template <std::size_t N>
std::string literal_bytes(const char (&s)[N]) {
    return std::string(s, N - 1);
}

}  // namespace

TEST_CASE("odd payloads and logger names are written intact", "[input]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    auto sink = make_coro({out}, input_options(clock, driver));

    const std::string empty;
    const std::string mebibyte = all_bytes(std::size_t{1} << 20);
    const std::string binary = literal_bytes("nul\0inside\xff\xfe\xc3\x28\xed\xa0\x80 end");
    const std::string long_name(64 * 1024, 'n');
    const std::string binary_name = literal_bytes(
        "name\0with\xff"
        "bytes");

    log_direct(*sink, empty, "empty");
    log_direct(*sink, mebibyte, "big");
    log_direct(*sink, binary, "binary");
    log_direct(*sink, "short", long_name);
    log_direct(*sink, binary, binary_name);
    log_direct(*sink, empty, empty);  // empty payload and empty logger name
    sink->flush();

    const auto got = out->messages();
    REQUIRE(got.size() == 6);
    CHECK(got[0].payload.empty());
    CHECK(got[0].logger_name == "empty");
    CHECK(got[1].payload.size() == mebibyte.size());
    CHECK(got[1].payload == mebibyte);
    CHECK(got[2].payload.size() == 21);
    CHECK(got[2].payload == binary);
    CHECK(got[3].logger_name.size() == long_name.size());
    CHECK(got[3].logger_name == long_name);
    CHECK(got[3].payload == "short");
    CHECK(got[4].logger_name == binary_name);
    CHECK(got[4].payload == binary);
    CHECK(got[5].payload.empty());
    CHECK(got[5].logger_name.empty());
    check_counting(sink->stats());
}

TEST_CASE("through a logger: empty, huge and binary messages, a 64 KiB logger name", "[input]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto sink = make_coro({out}, input_options(clock, coro_driver::cooperative));
    const std::string long_name(64 * 1024, 'L');
    auto logger = std::make_shared<spdlog::logger>(long_name, sink);

    const std::string mebibyte = all_bytes(std::size_t{1} << 20, 3);
    const std::string binary = literal_bytes("\x00\x01\x80\xff\xc0\xaf");
    logger->log(spdlog::level::info, spdlog::string_view_t(""));
    logger->log(spdlog::level::info, spdlog::string_view_t(mebibyte.data(), mebibyte.size()));
    logger->log(spdlog::level::err, spdlog::string_view_t(binary.data(), binary.size()));
    logger->info("{}|{}", binary, 1);
    logger->flush();

    const auto got = out->messages();
    REQUIRE(got.size() == 4);
    for (const auto &m : got) CHECK(m.logger_name == long_name);
    CHECK(got[0].payload.empty());
    CHECK(got[1].payload == mebibyte);
    CHECK(got[2].payload == binary);
    CHECK(got[2].level == spdlog::level::err);
    CHECK(got[3].payload == binary + "|1");
    // The wrapped sink's own formatter gets the whole payload too.
    CHECK(got[1].formatted.find(mebibyte) != std::string::npos);
}

TEST_CASE("every payload size around a slot's inline room is copied exactly", "[input]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    auto sink = make_coro({out}, input_options(clock, coro_driver::manual));

    std::vector<std::pair<std::string, std::string>> sent;  // (name, payload)
    for (std::size_t name_size : {0u, 1u, 15u, 64u, 200u}) {
        for (std::size_t payload_size = 0; payload_size <= 520; payload_size += 1) {
            if (sent.size() % 500 == 499) sink->flush();  // stay under max_queue_size
            sent.emplace_back(std::string(name_size, 'a' + static_cast<char>(name_size % 26)),
                              all_bytes(payload_size, static_cast<unsigned>(name_size)));
            log_direct(*sink, sent.back().second, sent.back().first);
        }
    }
    sink->flush();

    const auto got = out->messages();
    REQUIRE(got.size() == sent.size());
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        if (got[i].logger_name != sent[i].first || got[i].payload != sent[i].second) ++mismatches;
    }
    CHECK(mismatches == 0);
    CHECK(sink->stats().messages_dropped == 0);
}

TEST_CASE("evicting and rejecting huge messages is safe", "[input]") {
    auto clock = std::make_shared<fake_clock>();
    auto out = std::make_shared<test_sink>();
    const auto strategy = GENERATE(overflow_strategy::drop_oldest, overflow_strategy::drop_newest);
    auto options = input_options(clock, coro_driver::manual);
    options.max_queue_size = 2;
    options.batch_size = 2;
    options.overflow = strategy;
    auto sink = make_coro({out}, options);

    std::vector<std::string> payloads;
    for (unsigned i = 0; i < 5; ++i) {
        payloads.push_back(all_bytes(std::size_t{256} * 1024 + i, i));
        log_direct(*sink, payloads.back(), std::string(1000 + i, 'x'));
    }
    CHECK(sink->stats().messages_dropped == 3);
    sink->flush();
    const auto got = out->payloads();
    REQUIRE(got.size() == 2);
    if (strategy == overflow_strategy::drop_oldest) {
        CHECK(got[0] == payloads[3]);
        CHECK(got[1] == payloads[4]);
    } else {
        CHECK(got[0] == payloads[0]);
        CHECK(got[1] == payloads[1]);
    }
    check_counting(sink->stats());
}
