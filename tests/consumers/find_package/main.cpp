// main.cpp - a consumer of the installed package: logs through coro_sink_st, checks the output
// and that the crash drain's header is installed.

#include <spdlog/sinks/coro_crash_drain.h>
#include <spdlog/sinks/coro_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <sstream>
#include <vector>

int main() {
    std::ostringstream out;
    auto text = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
    auto coro = std::make_shared<spdlog::sinks::coro_sink_st>(std::vector<spdlog::sink_ptr>{text});
    spdlog::logger log("consumer", coro);
    log.set_pattern("%v");
    log.info("one");
    log.info("two");
    coro->flush();

    const auto s = coro->stats();
    if (out.str() != "one\ntwo\n" || s.messages_submitted != 2 || s.messages_processed != 2) {
        std::fprintf(stderr, "consumer: unexpected output '%s' or stats\n", out.str().c_str());
        return 1;
    }
    // Everything was flushed: the crash drain (installed header, linked) finds nothing.
    if (spdlog::sinks::coro_crash_drain_now(std::chrono::milliseconds(100)) != 0) {
        std::fprintf(stderr, "consumer: the crash drain found messages after a flush\n");
        return 1;
    }
    std::puts("consumer: ok");
    return 0;
}
