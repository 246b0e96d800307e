// consumer.cpp - the one program every packaging test builds against spdlog-coro.
//
// The add_subdirectory, find_package, pkg-config and .deb tests (tests/consumers/test_*.cmake)
// each build this file their own way and run it. It uses the library as an application
// would: options parsed from text, a logger registered by coro_logger_mt around a
// basic_file_sink, the thread driver. It then reads the log file back and checks it line by
// line, the stats, and that the destructor drains what is still queued.
//
//     consumer <log file>      exit status 0 when everything matches, 1 otherwise
//
// Any difference is printed on stderr, so a failing ctest run says what went wrong.

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/coro_crash_drain.h>
#include <spdlog/sinks/coro_sink.h>
#include <spdlog/sinks/coro_sink_factory.h>
#include <spdlog/sinks/coro_sink_stats_format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

namespace {

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool check(bool ok, const char *what) {
    if (!ok) {
        std::fprintf(stderr, "consumer: FAILED: %s\n", what);
    }
    return ok;
}

bool check_file(const std::string &path, const std::string &expected, const char *when) {
    const std::string actual = read_file(path);
    if (actual == expected) {
        return true;
    }
    std::fprintf(stderr, "consumer: FAILED: %s, %s holds:\n%s\nexpected:\n%s\n", when, path.c_str(),
                 actual.c_str(), expected.c_str());
    return false;
}

int run(const std::string &path) {
    namespace sinks = spdlog::sinks;
    auto file = std::make_shared<sinks::basic_file_sink_mt>(path, /*truncate=*/true);
    // The text form goes through the compiled library (parse, validation); the thread driver
    // needs the Threads dependency the packages declare.
    const auto options =
        sinks::coro_sink_options::parse("driver=thread, batch_size=2, flush_interval=10ms");
    auto log = spdlog::coro_logger_mt("consumer", {file}, options);
    auto coro = std::dynamic_pointer_cast<sinks::coro_sink_mt>(log->sinks().at(0));
    if (!check(coro != nullptr, "the logger's sink is not a coro_sink_mt")) {
        return 1;
    }
    log->set_pattern("[%n] %l: %v");
    log->set_level(spdlog::level::info);

    log->debug("filtered out by the logger, never reaches the sink");
    log->info("one {}", 1);
    log->warn("two {}", "2");
    log->error("three {:.1f}", 3.0);
    log->flush();  // waits until written and the file sink flushed

    bool ok = check_file(path,
                         "[consumer] info: one 1\n"
                         "[consumer] warning: two 2\n"
                         "[consumer] error: three 3.0\n",
                         "after flush()");
    const auto s = coro->stats();
    ok &= check(s.messages_submitted == 3, "messages_submitted != 3");
    ok &= check(s.messages_processed == 3, "messages_processed != 3");
    ok &= check(s.messages_dropped == 0 && s.messages_failed == 0, "messages dropped or failed");
    ok &= check(s.queue_size == 0, "queue not empty after flush()");
    ok &= check(s.backend_errors == 0, "backend_errors != 0");
    // Everything was flushed: the crash drain (installed header, linked) finds nothing.
    ok &= check(sinks::coro_crash_drain_now(std::chrono::milliseconds(100)) == 0,
                "the crash drain found messages after a flush");
    // The text forms of the stats come from the installed header and library too.
    const std::string line = sinks::to_string(s);
    ok &= check(line.rfind("messages_submitted=3 messages_processed=3 ", 0) == 0,
                "to_string(stats) does not start with the counters");
    ok &= check(spdlog::fmt_lib::format("{}", s) == line, "the stats formatter != to_string");
    ok &= check(sinks::to_prometheus(s).find("\nspdlog_coro_messages_processed_total 3\n") !=
                    std::string::npos,
                "to_prometheus(stats) lacks messages_processed_total");

    // Not flushed: the last message must be in the file once the sink is gone (the
    // destructor drains the queue and flushes the wrapped sinks).
    log->info("four");
    spdlog::drop("consumer");
    log.reset();
    coro.reset();
    ok &= check_file(path,
                     "[consumer] info: one 1\n"
                     "[consumer] warning: two 2\n"
                     "[consumer] error: three 3.0\n"
                     "[consumer] info: four\n",
                     "after the sink was destroyed");

    if (ok) {
        std::printf("consumer: ok, 4 messages written to %s\n", path.c_str());
    }
    return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: consumer <log file>\n");
        return 2;
    }
    try {
        return run(argv[1]);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "consumer: FAILED: exception: %s\n", e.what());
        return 1;
    }
}
