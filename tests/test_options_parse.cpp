// test_options_parse.cpp - coro_sink_options::parse and coro_sink_options::from_env.

#include "catch.h"

#include <spdlog/common.h>
#include <spdlog/sinks/coro_sink_options.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <string>

using namespace std::chrono_literals;
using spdlog::sinks::coro_driver;
using spdlog::sinks::coro_sink_options;
using spdlog::sinks::overflow_strategy;

namespace {

// The spdlog_ex message of parse(text), or "" when it succeeded. Fails the test when
// anything else than spdlog_ex is thrown.
std::string parse_error(const std::string &text) {
    try {
        (void)coro_sink_options::parse(text);
        return "";
    } catch (const spdlog::spdlog_ex &e) {
        return e.what();
    }
}

bool contains(const std::string &haystack, const std::string &needle) {
    return haystack.find(needle) != std::string::npos;
}

// Sets (value) or removes (nullptr) the variable SPDLOG_CORO of this process, where
// std::getenv reads it: POSIX setenv/unsetenv, or the C runtime's _putenv_s on Windows
// (an empty value removes the variable there).
void set_spdlog_coro_env(const char *value) {
#if defined(_WIN32)
    ::_putenv_s("SPDLOG_CORO", value != nullptr ? value : "");
#else
    if (value != nullptr) {
        ::setenv("SPDLOG_CORO", value, 1);
    } else {
        ::unsetenv("SPDLOG_CORO");
    }
#endif
}

// Sets SPDLOG_CORO for its lifetime; restores the previous value (or unsets it) after.
class scoped_env {
public:
    explicit scoped_env(const char *value) {
        if (const char *old = std::getenv("SPDLOG_CORO")) {
            old_ = std::string(old);
        }
        set_spdlog_coro_env(value);
    }
    ~scoped_env() { set_spdlog_coro_env(old_ ? old_->c_str() : nullptr); }
    scoped_env(const scoped_env &) = delete;
    scoped_env &operator=(const scoped_env &) = delete;

private:
    std::optional<std::string> old_;
};

void require_defaults(const coro_sink_options &o) {
    const coro_sink_options d;
    CHECK(o.batch_size == d.batch_size);
    CHECK(o.flush_interval == d.flush_interval);
    CHECK(o.max_queue_size == d.max_queue_size);
    CHECK(o.overflow == d.overflow);
    CHECK(o.driver == d.driver);
    CHECK(o.max_restarts == d.max_restarts);
    CHECK(o.restart_backoff == d.restart_backoff);
    CHECK(o.max_restart_backoff == d.max_restart_backoff);
    CHECK(o.flush_timeout == d.flush_timeout);
    CHECK(o.block_timeout == d.block_timeout);
}

}  // namespace

TEST_CASE("parse: empty text gives the defaults", "[parse]") {
    require_defaults(coro_sink_options::parse(""));
    require_defaults(coro_sink_options::parse("  "));
    require_defaults(coro_sink_options::parse(" , ,"));
}

TEST_CASE("parse: every key", "[parse]") {
    SECTION("counts") {
        const auto o = coro_sink_options::parse("batch_size=7,max_queue_size=70,max_restarts=0");
        CHECK(o.batch_size == 7);
        CHECK(o.max_queue_size == 70);
        CHECK(o.max_restarts == 0);
    }
    SECTION("durations") {
        const auto o = coro_sink_options::parse(
            "flush_interval=50ms,flush_timeout=2s,restart_backoff=3000us,"
            "max_restart_backoff=4s,block_timeout=0ms");
        CHECK(o.flush_interval == 50ms);
        CHECK(o.flush_timeout == 2000ms);
        CHECK(o.restart_backoff == 3ms);
        CHECK(o.max_restart_backoff == 4000ms);
        CHECK(o.block_timeout == 0ms);
    }
    SECTION("overflow") {
        CHECK(coro_sink_options::parse("overflow=drop_oldest").overflow ==
              overflow_strategy::drop_oldest);
        CHECK(coro_sink_options::parse("overflow=drop_newest").overflow ==
              overflow_strategy::drop_newest);
        CHECK(coro_sink_options::parse("overflow=block").overflow == overflow_strategy::block);
    }
    SECTION("driver") {
        CHECK(coro_sink_options::parse("driver=cooperative").driver == coro_driver::cooperative);
        CHECK(coro_sink_options::parse("driver=manual").driver == coro_driver::manual);
        CHECK(coro_sink_options::parse("driver=thread").driver == coro_driver::thread);
    }
    SECTION("the example of the issue") {
        const auto o = coro_sink_options::parse(
            "preset=high_throughput,batch_size=200,flush_interval=50ms,overflow=block,"
            "driver=thread");
        CHECK(o.batch_size == 200);
        CHECK(o.max_queue_size == 50000);
        CHECK(o.flush_interval == 50ms);
        CHECK(o.overflow == overflow_strategy::block);
        CHECK(o.driver == coro_driver::thread);
    }
}

TEST_CASE("parse: presets", "[parse]") {
    SECTION("each preset") {
        const auto ht = coro_sink_options::parse("preset=high_throughput");
        CHECK(ht.batch_size == 100);
        CHECK(ht.flush_interval == 50ms);
        CHECK(ht.max_queue_size == 50000);
        const auto mc = coro_sink_options::parse("preset=memory_constrained");
        CHECK(mc.batch_size == 10);
        CHECK(mc.max_queue_size == 1000);
        const auto r = coro_sink_options::parse("preset=reliable");
        CHECK(r.batch_size == 1);
        CHECK(r.flush_interval == 100ms);
        CHECK(r.overflow == overflow_strategy::block);
        require_defaults(coro_sink_options::parse("preset=default"));
    }
    SECTION("the preset applies first wherever it appears") {
        const auto o = coro_sink_options::parse("batch_size=200, preset=high_throughput");
        CHECK(o.batch_size == 200);
        CHECK(o.max_queue_size == 50000);
        const auto r = coro_sink_options::parse("overflow=drop_newest,preset=reliable");
        CHECK(r.overflow == overflow_strategy::drop_newest);
        CHECK(r.batch_size == 1);
    }
    SECTION("repeated keys: the last wins") {
        CHECK(coro_sink_options::parse("batch_size=5,batch_size=9").batch_size == 9);
        const auto o = coro_sink_options::parse("preset=reliable,preset=memory_constrained");
        CHECK(o.batch_size == 10);
        CHECK(o.overflow == overflow_strategy::drop_oldest);
    }
}

TEST_CASE("parse: units and whitespace", "[parse]") {
    CHECK(coro_sink_options::parse("flush_interval=1s").flush_interval == 1000ms);
    CHECK(coro_sink_options::parse("flush_interval=1500ms").flush_interval == 1500ms);
    CHECK(coro_sink_options::parse("flush_interval=2000us").flush_interval == 2ms);
    CHECK(coro_sink_options::parse("flush_interval=7 ms").flush_interval == 7ms);
    const auto o = coro_sink_options::parse(
        "  batch_size =\t20 ,  flush_interval= 30ms\t,driver = manual  ,\n overflow=block ");
    CHECK(o.batch_size == 20);
    CHECK(o.flush_interval == 30ms);
    CHECK(o.driver == coro_driver::manual);
    CHECK(o.overflow == overflow_strategy::block);
}

TEST_CASE("parse: every error class throws spdlog_ex naming key and value", "[parse]") {
    SECTION("unknown key lists the valid keys") {
        const auto e = parse_error("batch=5");
        CHECK(contains(e, "unknown key \"batch\""));
        CHECK(contains(e, "\"5\""));
        CHECK(contains(e, "batch_size"));
        CHECK(contains(e, "flush_interval"));
        CHECK(contains(e, "driver"));
    }
    SECTION("driver=event_loop: its scheduler cannot come from text") {
        const auto e = parse_error("driver=event_loop");
        CHECK(contains(e, "driver = \"event_loop\""));
        CHECK(contains(e, "scheduler"));
    }
    SECTION("missing '='") {
        const auto e = parse_error("batch_size=5,driver");
        CHECK(contains(e, "\"driver\""));
        CHECK(contains(e, "'='"));
    }
    SECTION("empty key") { CHECK(contains(parse_error("=5"), "no key")); }
    SECTION("empty value") {
        const auto e = parse_error("batch_size= ");
        CHECK(contains(e, "batch_size"));
        CHECK(contains(e, "empty value"));
    }
    SECTION("bad number") {
        for (const char *v : {"abc", "12x", "1.5", "0x10", "1 2"}) {
            const auto e = parse_error(std::string("batch_size=") + v);
            CHECK(contains(e, std::string("batch_size = \"") + v + "\" is invalid"));
            CHECK(contains(e, "unsigned integer"));
        }
    }
    SECTION("negative and signed") {
        const auto e = parse_error("max_restarts=-1");
        CHECK(contains(e, "max_restarts = \"-1\""));
        CHECK(contains(e, "negative"));
        CHECK(contains(parse_error("max_queue_size=+5"), "max_queue_size = \"+5\""));
        CHECK(contains(parse_error("flush_timeout=-5ms"), "negative"));
    }
    SECTION("overflow of the integer") {
        const auto e = parse_error("max_queue_size=99999999999999999999999");
        CHECK(contains(e, "max_queue_size = \"99999999999999999999999\""));
        CHECK(contains(e, "too large"));
        CHECK(contains(parse_error("flush_timeout=99999999999999999999s"), "too large"));
        CHECK(contains(parse_error("flush_timeout=9223372036854776s"), "too large"));
        // The largest whole number of seconds that fits in std::chrono::milliseconds.
        CHECK(coro_sink_options::parse("flush_timeout=9223372036854775s").flush_timeout ==
              std::chrono::milliseconds(9223372036854775000));
    }
    SECTION("bad or missing unit") {
        const auto e = parse_error("flush_interval=50 parsecs");
        CHECK(contains(e, "flush_interval = \"50 parsecs\" is invalid"));
        CHECK(contains(e, "50ms, 2s or 500us"));
        const auto bare = parse_error("flush_interval=50");
        CHECK(contains(bare, "flush_interval = \"50\""));
        CHECK(contains(bare, "unit"));
        CHECK(contains(parse_error("block_timeout=ms"), "block_timeout = \"ms\""));
        CHECK(contains(parse_error("block_timeout=1.5s"), "block_timeout = \"1.5s\""));
    }
    SECTION("microseconds that are not whole milliseconds") {
        const auto e = parse_error("restart_backoff=1500us");
        CHECK(contains(e, "restart_backoff = \"1500us\""));
        CHECK(contains(e, "whole number of milliseconds"));
    }
    SECTION("bad enum values list the accepted ones") {
        const auto o = parse_error("overflow=drop");
        CHECK(contains(o, "overflow = \"drop\""));
        CHECK(contains(o, "drop_oldest, drop_newest, block"));
        const auto d = parse_error("driver=fiber");
        CHECK(contains(d, "driver = \"fiber\""));
        CHECK(contains(d, "cooperative, manual, thread"));
        const auto p = parse_error("preset=fast");
        CHECK(contains(p, "preset = \"fast\""));
        CHECK(contains(p, "high_throughput, memory_constrained, reliable, default"));
    }
    SECTION("every error is a spdlog_ex") {
        CHECK_THROWS_AS(coro_sink_options::parse("nope=1"), spdlog::spdlog_ex);
        CHECK_THROWS_AS(coro_sink_options::parse("batch_size"), spdlog::spdlog_ex);
        CHECK_THROWS_AS(coro_sink_options::parse("driver=x"), spdlog::spdlog_ex);
    }
}

TEST_CASE("parse: odd bytes in keys, values and items are escaped in the message", "[parse]") {
    // Found by tests/fuzz/fuzz_options_parse.cpp: a NUL byte copied raw into the message cut
    // what() short, before the explanation, and control bytes reached the terminal.
    const auto printable = [](const std::string &m) {
        return std::all_of(m.begin(), m.end(), [](char c) {
            return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
        });
    };
    SECTION("a NUL byte in a value") {
        const auto e = parse_error(std::string("batch_size=1\0", 13));
        CHECK(contains(e, "batch_size = \"1\\x00\" is invalid"));
        CHECK(contains(e, "unsigned integer"));  // the explanation after the NUL is kept
        CHECK(printable(e));
    }
    SECTION("a NUL byte in an unknown key") {
        const auto e = parse_error(std::string("dr\0ver=x", 8));
        CHECK(contains(e, "unknown key \"dr\\x00ver\""));
        CHECK(contains(e, "valid keys: "));
        CHECK(printable(e));
    }
    SECTION("control and non-ASCII bytes in an item without '='") {
        const auto e = parse_error("\x1b[2J\xff");
        CHECK(contains(e, "\"\\x1b[2J\\xff\" has no '='"));
        CHECK(printable(e));
    }
    SECTION("quotes and backslashes are escaped, so the quoted value ends where it should") {
        const auto e = parse_error("flush_interval=5\"\\");
        CHECK(contains(e, "flush_interval = \"5\\\"\\\\\" is invalid"));
        const auto k = parse_error("a\"b= ");
        CHECK(contains(k, "a\\\"b has an empty value (in \"a\\\"b=\")"));
    }
}

TEST_CASE("parse: validate() errors propagate", "[parse]") {
    const auto e = parse_error("batch_size=200,max_queue_size=100");
    CHECK(contains(e, "batch_size"));
    CHECK(contains(e, "200"));
    REQUIRE_THROWS_AS(coro_sink_options::parse("flush_interval=0ms"), spdlog::spdlog_ex);
    REQUIRE_THROWS_AS(coro_sink_options::parse("restart_backoff=2s,max_restart_backoff=1s"),
                      spdlog::spdlog_ex);
    // Validation sees the final values, not each key as it is parsed.
    CHECK(coro_sink_options::parse("batch_size=200,max_queue_size=300").batch_size == 200);
}

TEST_CASE("from_env reads SPDLOG_CORO", "[parse]") {
    SECTION("unset gives the defaults") {
        scoped_env env(nullptr);
        require_defaults(coro_sink_options::from_env());
    }
    SECTION("empty gives the defaults") {  // on Windows, the same as unset
        scoped_env env("");
        require_defaults(coro_sink_options::from_env());
    }
    SECTION("a value is parsed") {
        scoped_env env("preset=reliable, driver=thread, flush_timeout=3s");
        const auto o = coro_sink_options::from_env();
        CHECK(o.batch_size == 1);
        CHECK(o.driver == coro_driver::thread);
        CHECK(o.flush_timeout == 3000ms);
    }
    SECTION("an error names the variable, the key and the value") {
        scoped_env env("flush_interval=50 parsecs");
        std::string what;
        try {
            (void)coro_sink_options::from_env();
        } catch (const spdlog::spdlog_ex &e) {
            what = e.what();
        }
        CHECK(contains(what, "SPDLOG_CORO"));
        CHECK(contains(what, "flush_interval = \"50 parsecs\""));
    }
}

TEST_CASE("to_string names round-trip through parse", "[parse]") {
    using namespace spdlog::sinks;
    for (auto s : {overflow_strategy::drop_oldest, overflow_strategy::drop_newest,
                   overflow_strategy::block}) {
        CHECK(coro_sink_options::parse(std::string("overflow=") + to_string(s)).overflow == s);
    }
    for (auto d : {coro_driver::cooperative, coro_driver::manual, coro_driver::thread}) {
        CHECK(coro_sink_options::parse(std::string("driver=") + to_string(d)).driver == d);
    }
    CHECK(std::string(to_string(static_cast<overflow_strategy>(42))) == "unknown");
}
