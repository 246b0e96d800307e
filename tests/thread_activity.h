// thread_activity.h - what a thread of this process is doing right now, read from /proc.
//
// For tests that must know a thread is stuck in the kernel, not just slow: the [rsyslog]
// tests wait until the sink's worker thread ("coro_sink", see sink/worker_thread.cpp) sleeps
// inside send() on a connection that cannot take more bytes. Linux only.
//
//     if (!syscalls_observable()) SPDLOG_CORO_SKIP("no /proc/<pid>/task/<tid>/syscall");
//     wait_until([] { return thread_asleep_in_syscall("coro_sink", SYS_sendto); });

#pragma once

#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

// Whether this process can read its threads' current system calls (/proc/.../syscall is
// missing in some sandboxes and kernels).
inline bool syscalls_observable() {
    std::ifstream in("/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/syscall");
    std::string first;
    return static_cast<bool>(in >> first);
}

// Whether some thread of this process named `name` (pthread_setname_np) is asleep, state
// 'S' or 'D', inside the system call number `nr` (SYS_sendto, ...). A snapshot: the caller
// decides what makes it last. Never throws except std::bad_alloc.
inline bool thread_asleep_in_syscall(const std::string &name, long nr) {
    std::error_code ec;
    for (const auto &task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
        std::string comm;
        if (!std::getline(std::ifstream(task.path() / "comm"), comm) || comm != name) continue;
        std::string stat;
        if (!std::getline(std::ifstream(task.path() / "stat"), stat)) continue;
        // "tid (comm) S ...": comm may contain spaces and ')', the state follows the last.
        const auto close = stat.rfind(')');
        if (close == std::string::npos || close + 2 >= stat.size()) continue;
        const char state = stat[close + 2];
        if (state != 'S' && state != 'D') continue;
        // "<nr> <args...>" while in a system call; "running" or "-1 ..." otherwise.
        std::ifstream sys(task.path() / "syscall");
        long current = -1;
        if ((sys >> current) && current == nr) return true;
    }
    return false;
}
