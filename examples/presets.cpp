// presets.cpp - coro_sink's option presets, options from text, and from SPDLOG_CORO.
//
// coro_sink_options has three presets (each the defaults with a few fields changed), and
// can be read from a "key=value,..." string or, like spdlog::cfg::load_env_levels, from
// the environment variable SPDLOG_CORO, so operators can tune a deployed service:
//
//     SPDLOG_CORO="preset=high_throughput,batch_size=200,overflow=block" ./service
//
// Bad text fails early with spdlog_ex naming the key, the value and what is accepted.
// This program prints the options each way gives. Run it with your own SPDLOG_CORO to see
// what it means; without one it sets the line above.
//
// Checks: the presets hold their documented values, parse() and from_env() give the
// options the text asks for, and a bad value is rejected with a message naming its key.

#include <spdlog/fmt/chrono.h>
#include <spdlog/sinks/coro_sink_factory.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "example_print.h"

#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace std::chrono_literals;
using spdlog::sinks::coro_driver;
using spdlog::sinks::coro_sink_options;
using spdlog::sinks::overflow_strategy;

namespace {

void print_options(std::string_view source, const coro_sink_options &o) {
    example::print("{:<22} {:>5} {:>7} {:>6} {:<11} {:<11} {:>8} {:>7}\n", source, o.batch_size,
                   o.flush_interval, o.max_queue_size, to_string(o.overflow), to_string(o.driver),
                   o.max_restarts, o.flush_timeout);
}

}  // namespace

int main() {
    example::print("{:<22} {:>5} {:>7} {:>6} {:<11} {:<11} {:>8} {:>7}\n", "options", "batch",
                   "flush", "queue", "overflow", "driver", "restarts", "timeout");
    const coro_sink_options defaults;
    const auto high_throughput = coro_sink_options::high_throughput();
    const auto memory_constrained = coro_sink_options::memory_constrained();
    const auto reliable = coro_sink_options::reliable();
    print_options("coro_sink_options{}", defaults);
    print_options("high_throughput()", high_throughput);
    print_options("memory_constrained()", memory_constrained);
    print_options("reliable()", reliable);

    // From text: the preset first, wherever it stands, then the other keys in order.
    const char *text = "driver=thread, preset=reliable, flush_timeout=2s";
    const auto parsed = coro_sink_options::parse(text);
    print_options("parse(text)", parsed);

    // From the environment. A deployment would set the variable outside; here the program
    // sets it for itself (setenv is POSIX, _putenv_s the Windows C runtime's).
    const bool ours = std::getenv("SPDLOG_CORO") == nullptr;
    if (ours) {
        const char *value = "preset=high_throughput,batch_size=200,overflow=block";
#if defined(_WIN32)
        _putenv_s("SPDLOG_CORO", value);
#else
        setenv("SPDLOG_CORO", value, 1);
#endif
    }
    coro_sink_options from_env;
    try {
        from_env = coro_sink_options::from_env();
    } catch (const spdlog::spdlog_ex &e) {  // names the variable, the key and the value
        example::print("{}\n", e.what());
        return 1;
    }
    print_options("from_env()", from_env);
    example::print("\ntext        = \"{}\"\nSPDLOG_CORO = \"{}\"\n", text,
                   std::getenv("SPDLOG_CORO"));

    // Options are plain data: start from any of them and change what you need.
    auto options = from_env;
    options.block_timeout = 20ms;  // bounded back-pressure under overflow=block
    auto log = spdlog::coro_logger_mt("presets", {std::make_shared<spdlog::sinks::null_sink_mt>()},
                                      options);
    log->info("configured from SPDLOG_CORO");

    // A typo fails loudly, before any logger is made.
    std::string error;
    try {
        coro_sink_options::parse("batch_size=100, overflow=drop_latest");
    } catch (const spdlog::spdlog_ex &e) {
        error = e.what();
    }
    example::print("parse(\"batch_size=100, overflow=drop_latest\") throws: {}\n", error);

    const bool presets_ok =
        high_throughput.batch_size == 100 && high_throughput.flush_interval == 50ms &&
        high_throughput.max_queue_size == 50000 && memory_constrained.batch_size == 10 &&
        memory_constrained.max_queue_size == 1000 && reliable.batch_size == 1 &&
        reliable.flush_interval == 100ms && reliable.overflow == overflow_strategy::block;
    const bool parse_ok = parsed.batch_size == reliable.batch_size &&
                          parsed.overflow == overflow_strategy::block &&
                          parsed.driver == coro_driver::thread && parsed.flush_timeout == 2s;
    const bool env_ok = !ours || (from_env.batch_size == 200 &&
                                  from_env.max_queue_size == high_throughput.max_queue_size &&
                                  from_env.overflow == overflow_strategy::block);
    const bool error_ok = error.find("overflow") != std::string::npos &&
                          error.find("drop_latest") != std::string::npos;
    const bool ok = presets_ok && parse_ok && env_ok && error_ok;
    example::print("presets: {}\n", ok ? "ok" : "FAILED");
    spdlog::shutdown();
    return ok ? 0 : 1;
}
