// wait_until.h - waiting for a real condition, with a deadline.
//
// For the tests that talk to real processes (tests/rsyslog_server.h) or real threads (the
// thread driver's worker): what they wait for (a file reaching K lines, a child stopping, a
// worker thread ending) happens elsewhere, so there is no clock to inject and nothing to be
// notified by. They poll the condition itself, never
// sleep for a guessed duration, and treat the deadline as a failure, not as the expected
// way out: it is generous (tens of seconds) so that a slow or loaded machine only waits
// longer, and a passing run never reaches it.
//
//     REQUIRE(wait_until([&] { return server.message_count() >= 1000; }));

#pragma once

#include <chrono>
#include <thread>

// Polls `condition` every `interval` until it returns true (then returns true) or
// `deadline` has passed on the real clock (then returns the condition's last value).
// Blocks the calling thread. Never throws unless `condition` does.
template <typename Condition>
bool wait_until(Condition condition,
                std::chrono::milliseconds deadline = std::chrono::seconds(30),
                std::chrono::milliseconds interval = std::chrono::milliseconds(1)) {
    const auto give_up = std::chrono::steady_clock::now() + deadline;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= give_up) return condition();
        std::this_thread::sleep_for(interval);
    }
    return true;
}
