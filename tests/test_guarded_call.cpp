// test_guarded_call.cpp - unit test of sink/guarded_call.h, the one wrapper around user code.

#include "catch.h"

#include <guarded_call.h>

#include <stdexcept>
#include <string>
#include <vector>

using spdlog::sinks::coro_detail::guarded_call;
using spdlog::sinks::coro_detail::unknown_exception;

TEST_CASE("guarded_call: true when the call returns, on_failure not called", "[unit]") {
    int calls = 0;
    std::vector<std::string> failures;
    CHECK(guarded_call([&] { ++calls; }, [&](const char *what) { failures.emplace_back(what); }));
    CHECK(calls == 1);
    CHECK(failures.empty());
}

TEST_CASE("guarded_call: false with the exception's text when the call throws", "[unit]") {
    std::vector<std::string> failures;
    auto record = [&](const char *what) { failures.emplace_back(what); };
    CHECK_FALSE(guarded_call([] { throw std::runtime_error("disk on fire"); }, record));
    CHECK_FALSE(guarded_call([] { throw 42; }, record));  // not a std::exception
    CHECK_FALSE(guarded_call([] { throw std::string("a string"); }, record));
    CHECK(failures ==
          std::vector<std::string>{"disk on fire", unknown_exception, unknown_exception});
}
