// test_factory.cpp - coro_logger_mt / _st register loggers the way basic_logger_mt does.

#include "catch.h"
#include "test_sink.h"

#include <spdlog/sinks/coro_sink_factory.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <vector>

TEST_CASE("coro_logger_mt registers the logger and applies the registry's settings", "[factory]") {
    spdlog::drop_all();
    spdlog::set_level(spdlog::level::warn);
    spdlog::set_pattern("<%n> %v");
    auto out = std::make_shared<test_sink>();
    spdlog::sinks::coro_sink_options o;
    o.batch_size = 1;
    auto logger = spdlog::coro_logger_mt("factory_mt", {out}, o);
    CHECK(spdlog::get("factory_mt") == logger);
    CHECK(logger->level() == spdlog::level::warn);
    logger->info("filtered by the registry's level");
    logger->warn("kept");
    logger->flush();
    REQUIRE(out->payloads() == std::vector<std::string>{"kept"});
    // The global pattern reached the wrapped sink through coro_sink::set_formatter.
    CHECK(out->messages().front().formatted.find("<factory_mt> kept") != std::string::npos);
    CHECK_THROWS_AS(spdlog::coro_logger_mt("factory_mt", {out}), spdlog::spdlog_ex);
    spdlog::drop_all();
    spdlog::set_level(spdlog::level::info);
    spdlog::set_pattern("%+");
}

TEST_CASE("coro_logger_st builds a single-threaded coro sink", "[factory]") {
    spdlog::drop_all();
    auto out = std::make_shared<test_sink>();
    auto logger = spdlog::coro_logger_st("factory_st", {out});
    REQUIRE(std::dynamic_pointer_cast<spdlog::sinks::coro_sink_st>(logger->sinks().front()));
    logger->info("hello");
    logger->flush();
    CHECK(out->payloads() == std::vector<std::string>{"hello"});
    spdlog::sinks::coro_sink_options bad;
    bad.batch_size = 0;
    CHECK_THROWS_AS(spdlog::coro_logger_st("factory_bad", {out}, bad), spdlog::spdlog_ex);
    CHECK_FALSE(spdlog::get("factory_bad"));
    spdlog::drop_all();
}
