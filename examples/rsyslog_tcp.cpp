// rsyslog_tcp.cpp - coro_sink in front of spdlog's tcp_sink, shipping to a syslog collector.
//
//     rsyslog_tcp [host [port]]          (default 127.0.0.1 10514)
//
// A network sink is what the thread driver is for: the sink's own thread does the sends, so
// a slow connection never holds up the threads that log. If the connection drops, tcp_sink
// throws; coro_sink keeps the message, restarts its worker after a backoff (tcp_sink
// reconnects on its next write), and after max_restarts failures in a row spools to a local
// file (fallback_sink) until the collector takes messages again.
//
// Each line is an RFC 5424 syslog message, newline-framed, as rsyslog's imtcp accepts it:
//     <134>1 2024-05-01T12:00:00.123456Z - rsyslog_tcp 4242 - - payment 1 settled
// The collector side, in rsyslog.conf:
//     module(load="imtcp")
//     input(type="imtcp" port="10514")
//
// tcp_sink connects in its constructor and throws when nobody listens. This program then
// says so and exits 0 with "skipped", so it can run where no collector is available. (With
// tcp_sink_config::lazy_connect the first write connects instead, and a collector that is
// down at start-up goes through coro_sink's restarts and fallback like any later outage.)
//
// Checks, when connected: every message was sent or spooled, none lost.

// spdlog 1.15.3's details/tcp_client.h calls std::memset without including <cstring>, which
// its fmt headers happen to include and <format> does not (SPDLOG_USE_STD_FORMAT builds).
#include <cstring>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/coro_sink.h>
#include <spdlog/sinks/tcp_sink.h>
#include <spdlog/spdlog.h>

#include "example_print.h"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

// %* in a pattern: the syslog PRI of the message, facility local0 (16) and the severity
// matching its spdlog level.
class syslog_priority final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg &msg,
                const std::tm &,
                spdlog::memory_buf_t &dest) override {
        // trace, debug, info, warn, err, critical, off -> syslog severities
        constexpr int severity[] = {7, 7, 6, 4, 3, 2, 7};
        spdlog::fmt_lib::format_to(std::back_inserter(dest), "{}", 16 * 8 + severity[msg.level]);
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<syslog_priority>();
    }
};

}  // namespace

int main(int argc, char *argv[]) {
    const std::string host = argc > 1 ? argv[1] : "127.0.0.1";
    const int port = argc > 2 ? std::atoi(argv[2]) : 10514;

    std::shared_ptr<spdlog::sinks::tcp_sink_mt> tcp;
    try {
        tcp = std::make_shared<spdlog::sinks::tcp_sink_mt>(
            spdlog::sinks::tcp_sink_config(host, port));
    } catch (const spdlog::spdlog_ex &e) {
        example::print("rsyslog_tcp: skipped: no syslog collector at {}:{} ({})\n", host, port,
                       e.what());
        return 0;
    }

    spdlog::sinks::coro_sink_options options;
    options.driver = spdlog::sinks::coro_driver::thread;
    options.batch_size = 64;
    options.flush_interval = 200ms;
    options.fallback_sink =
        std::make_shared<spdlog::sinks::basic_file_sink_mt>("rsyslog_tcp.spool", true);
    auto coro =
        std::make_shared<spdlog::sinks::coro_sink_mt>(std::vector<spdlog::sink_ptr>{tcp}, options);
    auto log = std::make_shared<spdlog::logger>("payments", coro);
    auto syslog_format =
        std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc, "\n");
    syslog_format->add_flag<syslog_priority>('*').set_pattern(
        "<%*>1 %Y-%m-%dT%H:%M:%S.%fZ - rsyslog_tcp %P - - %v");
    log->set_formatter(std::move(syslog_format));  // coro_sink hands a clone to each sink

    constexpr int messages = 100;
    for (int i = 1; i <= messages; ++i) {
        if (i % 25 == 0) {
            log->error("payment {} declined: card expired", i);
        } else {
            log->info("payment {} settled", i);
        }
    }
    const bool flushed = coro->flush_for(2s);
    const auto s = coro->stats();
    example::print(
        "sent {} messages to {}:{} ({} spooled to rsyslog_tcp.spool), backend_errors {}\n",
        s.messages_processed - s.fallback_writes, host, port, s.fallback_writes, s.backend_errors);

    const bool ok = flushed && s.messages_processed == messages && s.messages_failed == 0;
    example::print("rsyslog_tcp: {}\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
