// overflow_alerts.cpp - a small queue overflowing, with rate-limited alerts and the stats
// that tell how bad it is.
//
// A burst larger than max_queue_size overflows the queue. drop_oldest evicts the oldest
// queued message to make room (the newest survive); drop_newest rejects the new one (the
// oldest survive). Either way every drop is counted, and on_event raises an alert: the first
// drop at once, later ones at most once per event_interval, coalesced into one call with a
// count, so a storm of drops sends a couple of alerts, not one per message.
//
// The manual driver keeps the worker still during the burst, so the numbers are exact.
//
// Checks, for each strategy: exactly the messages that did not fit were dropped, the right
// ones survived, the alerts (two, or more if the burst itself took longer than the interval on
// a loaded machine) reported all the drops between them, and the stats show the
// queue full (queue_high_water) and how long its oldest message had waited.

#include <spdlog/sinks/coro_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "example_print.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using spdlog::sinks::overflow_strategy;

namespace {

double in_ms(std::chrono::nanoseconds d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

// Logs messages 1..100 into a queue of 8, then message 101 once event_interval has passed;
// returns true when the sink dropped, kept, alerted and counted as it should.
bool burst_with(overflow_strategy strategy) {
    std::ostringstream written;  // what the wrapped sink received
    auto out = std::make_shared<spdlog::sinks::ostream_sink_mt>(written);

    std::uint64_t alerts = 0;
    std::uint64_t alerted_drops = 0;
    std::chrono::nanoseconds alerted_age{0};
    spdlog::sinks::coro_sink_options options;
    options.driver = spdlog::sinks::coro_driver::manual;
    options.max_queue_size = 8;
    options.batch_size = 8;
    options.overflow = strategy;
    options.event_interval = 100ms;  // at most one overflow alert per 100 ms
    // Runs on the thread whose message was dropped (here the only one), outside the sink.
    options.on_event = [&](const spdlog::sinks::coro_sink_event &e) {
        if (e.kind != spdlog::sinks::coro_event_kind::overflow) {
            return;
        }
        ++alerts;
        alerted_drops += e.count;
        alerted_age = e.stats.oldest_message_age;
        example::print(
            "  ALERT log queue overflow: {} dropped since the last alert ({} in all), "
            "queue {}/{}, oldest message waiting {:.1f} ms\n",
            e.count, e.total, e.stats.queue_size, e.stats.queue_capacity,
            in_ms(e.stats.oldest_message_age));
    };
    auto coro =
        std::make_shared<spdlog::sinks::coro_sink_mt>(std::vector<spdlog::sink_ptr>{out}, options);
    spdlog::logger log("ingest", coro);
    log.set_pattern("%v");

    example::print("{}: a burst of 100 messages into a queue of 8, then one more 100 ms later\n",
                   to_string(strategy));
    for (int i = 1; i <= 100; ++i) {
        log.info("event {}", i);  // from the 9th on, each drops one message
    }
    std::this_thread::sleep_for(options.event_interval);  // let the rate limit pass
    log.info("event 101");  // one more drop: its alert carries the 92 held back meanwhile

    const auto s = coro->stats();
    example::print(
        "  stats: queue_overflows {}, queue_high_water {}/{}, oldest_message_age {:.1f} ms\n",
        s.queue_overflows, s.queue_high_water, s.queue_capacity, in_ms(s.oldest_message_age));
    coro->flush();

    std::vector<std::string> kept;
    std::istringstream lines(written.str());
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == '\r') {  // spdlog ends lines with "\r\n" on Windows
            line.pop_back();
        }
        kept.push_back(line);
    }
    std::string joined;
    for (const std::string &line : kept) {
        joined += (joined.empty() ? "" : ", ") + line;
    }
    example::print("  written: {}\n", joined);

    // drop_oldest keeps the newest 8, drop_newest the first 8.
    const int first_kept = strategy == overflow_strategy::drop_oldest ? 94 : 1;
    std::vector<std::string> expected;
    for (int i = first_kept; i < first_kept + 8; ++i) {
        expected.push_back(spdlog::fmt_lib::format("event {}", i));
    }
    return kept == expected && s.queue_overflows == 93 && s.messages_dropped == 93 &&
           s.queue_high_water == 8 && alerts >= 2 && alerted_drops == s.queue_overflows &&
           alerted_age >= options.event_interval;
}

}  // namespace

int main() {
    bool ok = burst_with(overflow_strategy::drop_oldest);
    ok = burst_with(overflow_strategy::drop_newest) && ok;
    example::print("overflow_alerts: {}\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
