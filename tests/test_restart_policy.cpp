// test_restart_policy.cpp - the backoff arithmetic on its own.

#include "catch.h"
#include "restart_policy.h"

#include <chrono>
#include <cstddef>
#include <limits>

using spdlog::sinks::coro_detail::restart_policy;
using std::chrono::milliseconds;

TEST_CASE("restart policy: doubling from the first delay, capped, reset by a success",
          "[restart]") {
    restart_policy p(5, milliseconds(10), milliseconds(100));
    const long expected[] = {10, 20, 40, 80, 100};
    for (long e : expected) {
        REQUIRE(p.on_failure());
        CHECK(p.delay() == milliseconds(e));
    }
    CHECK_FALSE(p.on_failure());  // the 6th consecutive failure spends the budget
    p.on_success();
    CHECK(p.consecutive_failures() == 0);
    REQUIRE(p.on_failure());
    CHECK(p.delay() == milliseconds(10));
}

TEST_CASE("restart policy: zero restarts, zero delay, and no overflow after many failures",
          "[restart]") {
    restart_policy none(0, milliseconds(10), milliseconds(10));
    CHECK_FALSE(none.on_failure());

    restart_policy instant(3, milliseconds(0), milliseconds(0));
    REQUIRE(instant.on_failure());
    CHECK(instant.delay() == milliseconds(0));

    restart_policy many(std::numeric_limits<std::size_t>::max(), milliseconds(1),
                        milliseconds::max());
    for (int i = 0; i < 200; ++i) REQUIRE(many.on_failure());
    CHECK(many.delay() > milliseconds(0));
    CHECK(many.delay() <= milliseconds::max());
}
