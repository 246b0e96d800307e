// worker_role.cpp - the per-thread list of held roles, and the pacing of waits for a role.

#include "worker_role.h"

#include "message_ring.h"

#include <chrono>
#include <thread>

namespace spdlog {
namespace sinks {
namespace coro_detail {

thread_local held_role *tls_held_roles = nullptr;

void worker_role::wait_a_little(unsigned &spins) noexcept {
    if (spins < 128) {
        message_ring::backoff(spins);
    } else {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    ++spins;
}

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
