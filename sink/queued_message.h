// queued_message.h - the owned copy of a spdlog::details::log_msg that waits in the queue.
//
// spdlog's log_msg only holds string_views into the caller's stack, so before a message is
// queued its logger name and payload are copied. They go into inline room inside the slot
// (the common case: no allocation), or, when they do not fit, into one heap block owned by
// the message. Level, time, thread id and source location are kept as they were, so the
// wrapped sinks see the original values. Source-location strings are not copied: spdlog
// fills them from __FILE__ / __FUNCTION__, which are static.

#pragma once

#include <spdlog/details/log_msg.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>

namespace spdlog {
namespace sinks {
namespace coro_detail {

class queued_message {
public:
    // Room for logger name + payload without touching the heap. Chosen so that a ring slot
    // (this object plus the slot's two 8-byte atomics) is exactly three cache lines.
    static constexpr std::size_t inline_capacity = 112;

    // Logger names are stored with a 32-bit length to keep the slot at 192 bytes. A name
    // longer than that (4 GiB) cannot be queued; the core counts such a message as failed.
    static bool representable(const details::log_msg &msg) noexcept {
        return msg.logger_name.size() <= UINT32_MAX;
    }

    // True when `msg` needs a heap block (its text does not fit inline).
    static bool needs_heap(const details::log_msg &msg) noexcept {
        return msg.logger_name.size() + msg.payload.size() > inline_capacity;
    }

    // Allocates the heap block for a message that needs one. Throws std::bad_alloc. Called
    // before a queue position is claimed, so a failed allocation never leaves a hole.
    static std::unique_ptr<char[]> allocate_for(const details::log_msg &msg) {
        return std::unique_ptr<char[]>(new char[msg.logger_name.size() + msg.payload.size()]);
    }

    // Copies `msg` in. `heap` must come from allocate_for(msg) when needs_heap(msg), and be
    // null otherwise. Never throws or allocates.
    void assign(const details::log_msg &msg, std::unique_ptr<char[]> heap) noexcept {
        time_ = msg.time;
        thread_id_ = msg.thread_id;
        source_ = msg.source;
        level_ = msg.level;
        name_size_ = static_cast<std::uint32_t>(msg.logger_name.size());
        payload_size_ = msg.payload.size();
        heap_ = std::move(heap);
        char *text = heap_ ? heap_.get() : inline_;
        // memcpy with a null source is undefined even for 0 bytes: an empty view may be null.
        if (name_size_ != 0) std::memcpy(text, msg.logger_name.data(), name_size_);
        if (payload_size_ != 0) std::memcpy(text + name_size_, msg.payload.data(), payload_size_);
    }

    // Takes over `other`'s content (its heap block too). Never throws or allocates.
    void take(queued_message &other) noexcept {
        time_ = other.time_;
        thread_id_ = other.thread_id_;
        source_ = other.source_;
        level_ = other.level_;
        name_size_ = other.name_size_;
        payload_size_ = other.payload_size_;
        heap_ = std::move(other.heap_);
        if (!heap_) std::memcpy(inline_, other.inline_, name_size_ + payload_size_);
    }

    // Frees the heap block, if any. Never throws.
    void clear() noexcept { heap_.reset(); }

    level::level_enum level() const noexcept { return level_; }

    // A log_msg viewing this object's text, valid while this object is unchanged.
    details::log_msg view() const noexcept {
        // Field by field: spdlog's constructors are out of line in the compiled library and
        // cost more than the copy itself.
        const char *text = heap_ ? heap_.get() : inline_;
        details::log_msg msg;
        msg.logger_name = string_view_t(text, name_size_);
        msg.level = level_;
        msg.time = time_;
        msg.thread_id = thread_id_;
        msg.source = source_;
        msg.payload = string_view_t(text + name_size_, payload_size_);
        return msg;
    }

private:
    log_clock::time_point time_{};
    std::size_t thread_id_ = 0;
    source_loc source_{};
    level::level_enum level_ = level::off;
    std::uint32_t name_size_ = 0;
    std::size_t payload_size_ = 0;
    std::unique_ptr<char[]> heap_;
    char inline_[inline_capacity];
};

}  // namespace coro_detail
}  // namespace sinks
}  // namespace spdlog
