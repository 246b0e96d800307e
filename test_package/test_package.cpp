// test_package.cpp - logs through a coro_sink into spdlog's ostream_sink and checks that the
// message arrived and was counted; exit status 0 only then.

#include <spdlog/sinks/coro_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <sstream>
#include <vector>

int main() {
    std::ostringstream out;
    auto wrapped = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
    auto sink =
        std::make_shared<spdlog::sinks::coro_sink_mt>(std::vector<spdlog::sink_ptr>{wrapped});
    spdlog::logger logger("test_package", sink);
    logger.set_pattern("%v");
    logger.info("hello from test_package");
    logger.flush();
    const auto stats = sink->stats();
    const bool ok = out.str().find("hello from test_package") != std::string::npos &&
                    stats.messages_processed == 1;
    std::printf("spdlog-coro test_package: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
