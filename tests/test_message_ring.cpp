// test_message_ring.cpp - the bounded circular buffer on its own: order, exact capacity,
// wrap-around, heap blocks, the oldest stamp, and concurrent producers and poppers.

#include "catch.h"
#include "message_ring.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using spdlog::sinks::coro_detail::message_ring;
using spdlog::sinks::coro_detail::queued_message;

namespace {
// The log_msg only views its strings: the name must outlive it (a static here).
const std::string ring_name = "ring";

spdlog::details::log_msg make_msg(const std::string &payload) {
    return spdlog::details::log_msg(spdlog::source_loc{}, ring_name, spdlog::level::info, payload);
}

std::uint64_t push_text(message_ring &ring, const std::string &payload, std::int64_t stamp = 0) {
    const auto msg = make_msg(payload);
    std::unique_ptr<char[]> heap;
    if (queued_message::needs_heap(msg)) heap = queued_message::allocate_for(msg);
    return ring.push(msg, std::move(heap), stamp);
}

std::string payload_of(const queued_message &m) {
    const auto v = m.view();
    return std::string(v.payload.data(), v.payload.size());
}
}  // namespace

TEST_CASE("ring: FIFO with tickets, wrap-around over a capacity that is not a power of two",
          "[ring]") {
    message_ring ring(3);
    queued_message out;
    for (int round = 0; round < 5; ++round) {
        for (int i = 0; i < 3; ++i) {
            CHECK(push_text(ring, std::to_string(round * 3 + i)) ==
                  static_cast<std::uint64_t>(round * 3 + i));
        }
        for (int i = 0; i < 3; ++i) {
            const auto ticket = ring.pop(&out);
            REQUIRE(ticket);
            CHECK(*ticket == static_cast<std::uint64_t>(round * 3 + i));
            CHECK(payload_of(out) == std::to_string(round * 3 + i));
        }
        CHECK_FALSE(ring.pop(&out));
    }
    CHECK(ring.head() == 15);
    CHECK(ring.tail() == 15);
}

TEST_CASE("ring: a message that does not fit inline moves its heap block, intact", "[ring]") {
    message_ring ring(2);
    const std::string big(queued_message::inline_capacity * 3, 'x');
    const std::string exact(queued_message::inline_capacity - 4, 'y');  // + "ring" = inline
    push_text(ring, big);
    push_text(ring, exact);
    queued_message out;
    REQUIRE(ring.pop(&out));
    CHECK(payload_of(out) == big);
    REQUIRE(ring.pop(&out));
    CHECK(payload_of(out) == exact);
    CHECK(std::string(out.view().logger_name.data(), out.view().logger_name.size()) == "ring");
}

TEST_CASE("ring: discarding pops the oldest without copying it", "[ring]") {
    message_ring ring(4);
    push_text(ring, "a");
    push_text(ring, std::string(1000, 'b'));
    push_text(ring, "c");
    CHECK(ring.pop(nullptr) == std::optional<std::uint64_t>(0));
    CHECK(ring.pop(nullptr) == std::optional<std::uint64_t>(1));
    queued_message out;
    REQUIRE(ring.pop(&out));
    CHECK(payload_of(out) == "c");
}

TEST_CASE("ring: oldest_stamp follows the head", "[ring]") {
    message_ring ring(4);
    CHECK_FALSE(ring.oldest_stamp());
    push_text(ring, "a", 100);
    push_text(ring, "b", 200);
    CHECK(ring.oldest_stamp() == std::optional<std::int64_t>(100));
    ring.pop(nullptr);
    CHECK(ring.oldest_stamp() == std::optional<std::int64_t>(200));
    ring.pop(nullptr);
    CHECK_FALSE(ring.oldest_stamp());
}

TEST_CASE("ring: concurrent producers and poppers lose nothing and keep per-producer order",
          "[ring][mt]") {
    // The core guarantees a producer only pushes when it holds a place; model that with a
    // counting semaphore of `capacity` places, released by the popper after each pop.
    constexpr std::size_t capacity = 7;
    constexpr int producers = 4;
    constexpr int per_producer = 20000;
    message_ring ring(capacity);
    std::atomic<std::size_t> places{capacity};
    auto take_place = [&] {
        std::size_t n = places.load();
        for (;;) {
            if (n == 0) {
                std::this_thread::yield();
                n = places.load();
            } else if (places.compare_exchange_weak(n, n - 1)) {
                return;
            }
        }
    };
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p) {
        threads.emplace_back([&, p] {
            for (int i = 0; i < per_producer; ++i) {
                take_place();
                push_text(ring, std::to_string(p) + ":" + std::to_string(i));
            }
        });
    }
    std::vector<int> next(producers, 0);
    int popped = 0;
    queued_message out;
    while (popped < producers * per_producer) {
        if (!ring.pop(&out)) {
            std::this_thread::yield();
            continue;
        }
        places.fetch_add(1);
        const std::string text = payload_of(out);
        const auto colon = text.find(':');
        const int p = std::stoi(text.substr(0, colon));
        const int i = std::stoi(text.substr(colon + 1));
        REQUIRE(i == next[static_cast<std::size_t>(p)]);
        ++next[static_cast<std::size_t>(p)];
        ++popped;
    }
    for (auto &t : threads) t.join();
    CHECK_FALSE(ring.pop(&out));
    CHECK(ring.tail() == static_cast<std::uint64_t>(producers * per_producer));
}
