// main.cpp - a consumer of the installed package: logs through coro_sink_st, checks the output
// and the text forms of the stats.

#include <spdlog/sinks/coro_sink.h>
#include <spdlog/sinks/coro_sink_stats_format.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
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
    const std::string line = spdlog::sinks::to_string(s);
    if (line.rfind("messages_submitted=2 messages_processed=2 ", 0) != 0 ||
        spdlog::fmt_lib::format("{}", s) != line ||
        spdlog::sinks::to_prometheus(s).find("\nspdlog_coro_messages_processed_total 2\n") ==
            std::string::npos) {
        std::fprintf(stderr, "consumer: unexpected stats text '%s'\n", line.c_str());
        return 1;
    }
    std::puts("consumer: ok");
    return 0;
}
