// test_options.cpp - coro_sink_options: defaults, presets, and validation at construction.

#include "catch.h"
#include "test_sink.h"

#include <spdlog/common.h>
#include <spdlog/sinks/coro_sink.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using spdlog::sinks::coro_driver;
using spdlog::sinks::coro_sink_mt;
using spdlog::sinks::coro_sink_options;
using spdlog::sinks::coro_sink_st;
using spdlog::sinks::overflow_strategy;

namespace {

// Constructs a coro_sink_mt with `options`; returns the spdlog_ex message, or "" when the
// construction succeeded. Fails the test when anything else than spdlog_ex is thrown.
std::string construction_error(const coro_sink_options &options,
                               std::vector<spdlog::sink_ptr> sinks = {}) {
    try {
        coro_sink_mt sink(std::move(sinks), options);
        return "";
    } catch (const spdlog::spdlog_ex &e) {
        return e.what();
    }
}

bool contains(const std::string &haystack, const std::string &needle) {
    return haystack.find(needle) != std::string::npos;
}

// The message must name the field and the offending value.
void check_rejected(const coro_sink_options &options,
                    const std::string &field,
                    const std::string &value) {
    const std::string error = construction_error(options);
    INFO("spdlog_ex message: \"" << error << "\"");
    REQUIRE_FALSE(error.empty());
    CHECK(contains(error, field));
    CHECK(contains(error, value));
    // validate() is the same rule set, callable without constructing a sink.
    CHECK_THROWS_AS(options.validate(), spdlog::spdlog_ex);
}

}  // namespace

TEST_CASE("default options are the design note's", "[options]") {
    const coro_sink_options o;
    CHECK(o.batch_size == 50);
    CHECK(o.flush_interval == 1000ms);
    CHECK(o.max_queue_size == 10000);
    CHECK(o.overflow == overflow_strategy::drop_oldest);
    CHECK(o.driver == coro_driver::cooperative);
    CHECK(o.max_restarts == 5);
    CHECK(o.restart_backoff == 10ms);
    CHECK(o.max_restart_backoff == 1000ms);
    CHECK(o.flush_timeout == 5000ms);
    CHECK(o.block_timeout == 0ms);
    CHECK(o.fallback_sink == nullptr);
    CHECK_FALSE(static_cast<bool>(o.error_handler));
    CHECK_FALSE(static_cast<bool>(o.clock));
    CHECK_NOTHROW(o.validate());
}

TEST_CASE("presets change only their own fields", "[options]") {
    const coro_sink_options defaults;

    SECTION("high_throughput: batch 100, 50 ms, 50000, drop_oldest") {
        const auto o = coro_sink_options::high_throughput();
        CHECK(o.batch_size == 100);
        CHECK(o.flush_interval == 50ms);
        CHECK(o.max_queue_size == 50000);
        CHECK(o.overflow == overflow_strategy::drop_oldest);
        CHECK(o.driver == defaults.driver);
        CHECK(o.max_restarts == defaults.max_restarts);
        CHECK(o.flush_timeout == defaults.flush_timeout);
        CHECK_NOTHROW(o.validate());
    }
    SECTION("memory_constrained: batch 10, 1 s, 1000, drop_oldest") {
        const auto o = coro_sink_options::memory_constrained();
        CHECK(o.batch_size == 10);
        CHECK(o.flush_interval == 1000ms);
        CHECK(o.max_queue_size == 1000);
        CHECK(o.overflow == overflow_strategy::drop_oldest);
        CHECK(o.driver == defaults.driver);
        CHECK(o.max_restarts == defaults.max_restarts);
        CHECK_NOTHROW(o.validate());
    }
    SECTION("reliable: batch 1, 100 ms, block") {
        const auto o = coro_sink_options::reliable();
        CHECK(o.batch_size == 1);
        CHECK(o.flush_interval == 100ms);
        CHECK(o.overflow == overflow_strategy::block);
        CHECK(o.max_queue_size == defaults.max_queue_size);
        CHECK(o.block_timeout == 0ms);  // never drops
        CHECK(o.driver == defaults.driver);
        CHECK_NOTHROW(o.validate());
    }
}

TEST_CASE("a sink runs with the options it was given", "[options]") {
    auto out = std::make_shared<test_sink>();
    auto o = coro_sink_options::memory_constrained();
    o.driver = coro_driver::manual;
    o.max_restarts = 7;
    coro_sink_mt sink({out}, o);
    CHECK(sink.options().batch_size == 10);
    CHECK(sink.options().max_queue_size == 1000);
    CHECK(sink.options().driver == coro_driver::manual);
    CHECK(sink.options().max_restarts == 7);

    const auto s = sink.stats();
    CHECK(s.messages_submitted == 0);
    CHECK(s.queue_size == 0);
    CHECK(s.queue_capacity == 1000);
    CHECK(s.worker_state == spdlog::sinks::coro_worker_state::running);
    CHECK_FALSE(s.fallback_active);
}

TEST_CASE("the boundaries of every range are accepted", "[options]") {
    auto out = std::make_shared<test_sink>();
    coro_sink_options o;
    o.batch_size = 1;
    o.max_queue_size = 1;
    o.flush_interval = 1ms;
    o.flush_timeout = 1ms;
    o.restart_backoff = 0ms;
    o.max_restart_backoff = 0ms;
    o.max_restarts = 0;
    o.block_timeout = 0ms;
    CHECK(construction_error(o, {out}).empty());

    o.max_queue_size = 7;
    o.batch_size = 7;  // batch_size == max_queue_size is fine
    o.restart_backoff = 5ms;
    o.max_restart_backoff = 5ms;  // equal is fine
    o.block_timeout = 1ms;
    o.driver = coro_driver::manual;
    CHECK(construction_error(o, {out}).empty());

    // An empty vector is allowed; sinks can be added later.
    CHECK(construction_error(coro_sink_options{}, {}).empty());
    CHECK_NOTHROW(coro_sink_st({}, coro_sink_options{}));
}

TEST_CASE("invalid options throw spdlog_ex naming the field and the value", "[options]") {
    coro_sink_options o;

    SECTION("batch_size 0, with its range up to max_queue_size") {
        o.batch_size = 0;
        check_rejected(o, "batch_size", "0");
        CHECK(contains(construction_error(o), "max_queue_size"));
    }
    SECTION("max_queue_size 0") {
        o.max_queue_size = 0;
        o.batch_size = 1;
        check_rejected(o, "max_queue_size", "0");
    }
    SECTION("max_queue_size above 2^32 is rejected before anything is allocated") {
        o.max_queue_size = (std::size_t{1} << 32) + 1;
        check_rejected(o, "max_queue_size", "4294967297");
    }
    SECTION("batch_size larger than max_queue_size names both") {
        o.max_queue_size = 10;
        o.batch_size = 11;
        check_rejected(o, "batch_size", "11");
        CHECK(contains(construction_error(o), "max_queue_size"));
    }
    SECTION("flush_interval 0") {
        o.flush_interval = 0ms;
        check_rejected(o, "flush_interval", "0");
    }
    SECTION("negative flush_interval") {
        o.flush_interval = -5ms;
        check_rejected(o, "flush_interval", "-5");
    }
    SECTION("flush_timeout 0") {
        o.flush_timeout = 0ms;
        check_rejected(o, "flush_timeout", "0");
    }
    SECTION("negative flush_timeout") {
        o.flush_timeout = -7ms;
        check_rejected(o, "flush_timeout", "-7");
    }
    SECTION("max_restart_backoff below restart_backoff names both") {
        o.restart_backoff = 100ms;
        o.max_restart_backoff = 50ms;
        check_rejected(o, "max_restart_backoff", "50");
        CHECK(contains(construction_error(o), "100"));
    }
    SECTION("negative restart_backoff") {
        o.restart_backoff = -3ms;
        check_rejected(o, "restart_backoff", "-3");
    }
    SECTION("negative block_timeout") {
        o.overflow = overflow_strategy::block;
        o.block_timeout = -1ms;
        check_rejected(o, "block_timeout", "-1");
    }
    SECTION("a driver value outside the enum") {
        o.driver = static_cast<coro_driver>(7);
        check_rejected(o, "driver", "7");
    }
    SECTION("an overflow value outside the enum") {
        o.overflow = static_cast<overflow_strategy>(9);
        check_rejected(o, "overflow", "9");
    }
    SECTION("negative event_interval") {
        o.event_interval = -1ms;
        check_rejected(o, "event_interval", "-1");
    }
    SECTION("the event_loop driver without a scheduler") {
        o.driver = coro_driver::event_loop;
        check_rejected(o, "scheduler", "empty");
    }
    SECTION("a scheduler with another driver") {
        o.driver = coro_driver::thread;
        o.scheduler = [](spdlog::sinks::coro_resume, std::chrono::nanoseconds) {};
        check_rejected(o, "scheduler", "driver = thread");
    }
}

TEST_CASE("a null wrapped sink is rejected", "[options]") {
    auto out = std::make_shared<test_sink>();

    SECTION("in the constructor's vector") {
        const std::string error = construction_error(coro_sink_options{}, {out, nullptr});
        INFO("spdlog_ex message: \"" << error << "\"");
        REQUIRE_FALSE(error.empty());
        CHECK(contains(error, "sink"));
    }
    SECTION("passed to add_sink, leaving the sink usable") {
        coro_sink_options o;
        o.batch_size = 1;
        coro_sink_mt sink({out}, o);
        bool thrown = false;
        try {
            sink.add_sink(nullptr);
        } catch (const spdlog::spdlog_ex &e) {
            thrown = true;
            CHECK(contains(e.what(), "sink"));
        }
        CHECK(thrown);
        CHECK(sink.sinks().size() == 1);
        log_direct(sink, "still works");
        sink.flush();
        CHECK(out->payloads() == std::vector<std::string>{"still works"});
    }
}
