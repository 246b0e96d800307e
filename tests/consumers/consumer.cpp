// consumer.cpp - the one program every packaging test builds against spdlog-coro.
//
// The add_subdirectory, find_package, pkg-config and .deb tests (tests/consumers/test_*.cmake)
// each build this file their own way and run it. It uses the library as an application
// would: options parsed from text, a logger registered by coro_logger_mt around a
// basic_file_sink, the thread driver. It then reads the log file back and checks it line by
// line, the stats, and that the destructor drains what is still queued.
//
//     consumer <log file> [--spdlog-version X.Y.Z] [--std-format 0|1] [--spdlog-library
//     <file>|none]
//
// Exit status 0 when everything matches, 1 otherwise. The options prove the program runs
// the spdlog the library was built against, not another one the consumer's build happened
// to find (a system spdlog picked up through pkg-config, say): the spdlog version and
// formatting mode compiled into this program, and, on Linux, the spdlog shared library
// loaded into it (`none` when spdlog is static or header-only: then none may be loaded).
// Any difference is printed on stderr, so a failing ctest run says what went wrong.

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/coro_crash_drain.h>
#include <spdlog/sinks/coro_sink.h>
#include <spdlog/sinks/coro_sink_factory.h>
#include <spdlog/sinks/coro_sink_stats_format.h>
#include <spdlog/details/os.h>
#include <spdlog/spdlog.h>
#include <spdlog/version.h>

#if defined(__linux__)
    #include <link.h>
    #include <climits>
    #include <cstdlib>
#endif

#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace {

// The expected lines of the log file, each ended the way spdlog ends lines here ("\r\n" on
// Windows).
std::string lines(std::initializer_list<const char *> texts) {
    std::string out;
    for (const char *text : texts) {
        out += text;
        out += spdlog::details::os::default_eol;
    }
    return out;
}

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
                         lines({"[consumer] info: one 1", "[consumer] warning: two 2",
                                "[consumer] error: three 3.0"}),
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
                     lines({"[consumer] info: one 1", "[consumer] warning: two 2",
                            "[consumer] error: three 3.0", "[consumer] info: four"}),
                     "after the sink was destroyed");

    if (ok) {
        std::printf("consumer: ok, 4 messages written to %s\n", path.c_str());
    }
    return ok ? 0 : 1;
}

#if defined(__linux__)
// The spdlog shared libraries loaded into this process, resolved to their real paths.
std::vector<std::string> loaded_spdlog_libraries() {
    std::vector<std::string> found;
    dl_iterate_phdr(
        [](dl_phdr_info *info, std::size_t, void *data) {
            const std::string name = info->dlpi_name != nullptr ? info->dlpi_name : "";
            const auto slash = name.rfind('/');
            if (name.compare(slash == std::string::npos ? 0 : slash + 1, 9, "libspdlog") == 0) {
                char real[PATH_MAX];
                static_cast<std::vector<std::string> *>(data)->push_back(
                    realpath(name.c_str(), real) != nullptr ? real : name);
            }
            return 0;
        },
        &found);
    return found;
}
#endif

// The --spdlog-* checks of the file comment.
bool check_spdlog(const std::string &version,
                  const std::string &std_format,
                  const std::string &library) {
    bool ok = true;
    const std::string compiled = std::to_string(SPDLOG_VER_MAJOR) + "." +
                                 std::to_string(SPDLOG_VER_MINOR) + "." +
                                 std::to_string(SPDLOG_VER_PATCH);
    if (!version.empty() && compiled != version) {
        std::fprintf(stderr, "consumer: FAILED: compiled against spdlog %s, expected %s\n",
                     compiled.c_str(), version.c_str());
        ok = false;
    }
#if defined(SPDLOG_USE_STD_FORMAT)
    const std::string compiled_std_format = "1";
#else
    const std::string compiled_std_format = "0";
#endif
    if (!std_format.empty() && compiled_std_format != std_format) {
        std::fprintf(stderr, "consumer: FAILED: SPDLOG_USE_STD_FORMAT is %s here, expected %s\n",
                     compiled_std_format.c_str(), std_format.c_str());
        ok = false;
    }
#if defined(__linux__)
    if (!library.empty()) {
        const std::vector<std::string> loaded = loaded_spdlog_libraries();
        std::string expected;
        if (library != "none") {
            char real[PATH_MAX];
            expected = realpath(library.c_str(), real) != nullptr ? real : library;
        }
        const bool shared_expected = expected.find(".so") != std::string::npos;
        const bool matches =
            shared_expected ? loaded.size() == 1 && loaded[0] == expected : loaded.empty();
        if (!matches) {
            std::string seen;
            for (const std::string &l : loaded) seen += " " + l;
            std::fprintf(stderr, "consumer: FAILED: loaded spdlog libraries:%s; expected %s\n",
                         seen.empty() ? " none" : seen.c_str(),
                         shared_expected ? expected.c_str() : "none (static or header-only)");
            ok = false;
        }
    }
#else
    (void)library;
#endif
    if (ok) std::printf("consumer: spdlog %s as expected\n", compiled.c_str());
    return ok;
}

}  // namespace

int main(int argc, char **argv) {
    std::string version, std_format, library;
    int i = 2;
    for (; i + 1 < argc; i += 2) {
        const std::string option = argv[i];
        if (option == "--spdlog-version") {
            version = argv[i + 1];
        } else if (option == "--std-format") {
            std_format = argv[i + 1];
        } else if (option == "--spdlog-library") {
            library = argv[i + 1];
        } else {
            break;
        }
    }
    if (argc < 2 || i != argc) {
        std::fprintf(stderr,
                     "usage: consumer <log file> [--spdlog-version X.Y.Z] [--std-format 0|1] "
                     "[--spdlog-library <file>|none]\n");
        return 2;
    }
    try {
        const bool right_spdlog = check_spdlog(version, std_format, library);
        return run(argv[1]) == 0 && right_spdlog ? 0 : 1;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "consumer: FAILED: exception: %s\n", e.what());
        return 1;
    }
}
