// test_add_remove_sink.cpp - managing the wrapped sinks like dist_sink: add_sink,
// remove_sink, set_sinks, sinks(), set_pattern / set_formatter forwarded (a clone each),
// and each wrapped sink's own level honoured.

#include "catch.h"
#include "fake_clock.h"
#include "test_options_helper.h"
#include "test_sink.h"

#include <spdlog/details/os.h>
#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/coro_sink.h>

#include <chrono>
#include <memory>
#include <string>
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

TEST_CASE("add_sink and remove_sink change who gets the messages written afterwards",
          "[add_remove_sink]") {
    auto clock = std::make_shared<fake_clock>();
    auto a = std::make_shared<test_sink>();
    auto b = std::make_shared<test_sink>();
    auto sink = make_coro({a}, manual_options(clock));
    CHECK(sink->sinks() == std::vector<spdlog::sink_ptr>{a});

    log_direct(*sink, "m1");
    sink->flush();
    sink->add_sink(b);
    CHECK(sink->sinks() == std::vector<spdlog::sink_ptr>{a, b});
    log_direct(*sink, "m2");
    sink->flush();
    sink->remove_sink(a);
    CHECK(sink->sinks() == std::vector<spdlog::sink_ptr>{b});
    log_direct(*sink, "m3");
    sink->flush();

    CHECK(a->payloads() == numbered("m", 1, 2));
    CHECK(b->payloads() == numbered("m", 2, 3));
    check_counting(sink->stats());
}

TEST_CASE("messages already queued go to the sinks present when they are written",
          "[add_remove_sink]") {
    auto clock = std::make_shared<fake_clock>();
    auto a = std::make_shared<test_sink>();
    auto b = std::make_shared<test_sink>();
    auto sink = make_coro({a}, manual_options(clock));

    log_direct(*sink, "m1");  // queued while only a is wrapped
    sink->add_sink(b);
    sink->remove_sink(a);
    sink->flush();
    CHECK(a->size() == 0);
    CHECK(b->payloads() == numbered("m", 1, 1));
}

TEST_CASE("set_sinks replaces every wrapped sink, removing an unknown one is harmless",
          "[add_remove_sink]") {
    auto clock = std::make_shared<fake_clock>();
    auto a = std::make_shared<test_sink>();
    auto b = std::make_shared<test_sink>();
    auto c = std::make_shared<test_sink>();
    auto sink = make_coro({a}, manual_options(clock));

    sink->set_sinks({b, c});
    CHECK(sink->sinks() == std::vector<spdlog::sink_ptr>{b, c});
    sink->remove_sink(a);  // not wrapped any more: nothing happens
    log_direct(*sink, "m1");
    sink->flush();
    CHECK(a->size() == 0);
    CHECK(b->payloads() == numbered("m", 1, 1));
    CHECK(c->payloads() == numbered("m", 1, 1));

    sink->set_sinks({});
    log_direct(*sink, "m2");  // no wrapped sink: the message is done with
    sink->flush();
    CHECK(sink->stats().queue_size == 0);
    check_counting(sink->stats());
}

TEST_CASE("set_pattern and set_formatter are forwarded to every wrapped sink",
          "[add_remove_sink]") {
    auto clock = std::make_shared<fake_clock>();
    auto a = std::make_shared<test_sink>();
    auto b = std::make_shared<test_sink>();
    auto sink = make_coro({a, b}, manual_options(clock));
    auto logger = std::make_shared<spdlog::logger>("fmt", sink);

    SECTION("set_pattern on the coro sink") {
        sink->set_pattern("<%n|%l|%v>");
        logger->info("m1");
    }
    SECTION("set_formatter on the coro sink: each wrapped sink gets its own clone") {
        sink->set_formatter(std::make_unique<spdlog::pattern_formatter>("<%n|%l|%v>"));
        logger->info("m1");
    }
    SECTION("the logger's set_pattern reaches the wrapped sinks through the coro sink") {
        logger->set_pattern("<%n|%l|%v>");
        logger->info("m1");
    }
    SECTION("queued messages are formatted with the pattern in force when they are written") {
        logger->info("m1");
        sink->set_pattern("<%n|%l|%v>");
    }
    sink->flush();

    const std::string eol = spdlog::details::os::default_eol;
    for (const auto &out : {a, b}) {
        const auto got = out->messages();
        REQUIRE(got.size() == 1);
        CHECK(got[0].formatted == "<fmt|info|m1>" + eol);
    }
}

TEST_CASE("a sink added later gets the pattern it is given, not the others'", "[add_remove_sink]") {
    auto clock = std::make_shared<fake_clock>();
    auto a = std::make_shared<test_sink>();
    auto b = std::make_shared<test_sink>();
    auto sink = make_coro({a}, manual_options(clock));
    sink->set_pattern("A:%v");
    b->set_pattern("B:%v");
    sink->add_sink(b);
    log_direct(*sink, "m1");
    sink->flush();
    const std::string eol = spdlog::details::os::default_eol;
    CHECK(a->messages().at(0).formatted == "A:m1" + eol);
    CHECK(b->messages().at(0).formatted == "B:m1" + eol);
}

TEST_CASE("each wrapped sink's level is honoured", "[add_remove_sink]") {
    auto clock = std::make_shared<fake_clock>();
    auto everything = std::make_shared<test_sink>();
    auto warnings = std::make_shared<test_sink>();
    warnings->set_level(spdlog::level::warn);
    const auto driver = GENERATE(coro_driver::cooperative, coro_driver::manual);
    auto options = manual_options(clock);
    options.driver = driver;
    auto sink = make_coro({everything, warnings}, options);
    auto logger = std::make_shared<spdlog::logger>("levels", sink);
    logger->set_level(spdlog::level::trace);

    logger->debug("d1");
    logger->info("i1");
    logger->warn("w1");
    logger->error("e1");
    logger->flush();

    CHECK(everything->payloads() == std::vector<std::string>{"d1", "i1", "w1", "e1"});
    CHECK(warnings->payloads() == std::vector<std::string>{"w1", "e1"});
    const auto s = sink->stats();
    CHECK(s.messages_submitted == 4);
    CHECK(s.messages_processed == 4);  // filtered out by a sink's level is not a failure
    CHECK(s.backend_errors == 0);
    check_counting(s);

    // A level changed later applies to messages written after the change.
    warnings->set_level(spdlog::level::trace);
    logger->trace("t1");
    logger->flush();
    CHECK(warnings->payloads() == std::vector<std::string>{"w1", "e1", "t1"});
}
