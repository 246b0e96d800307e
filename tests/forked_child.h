// forked_child.h - runs a piece of a test in a forked child and waits for it, bounded.
//
// For what only a separate process can show: process exit, spdlog::shutdown() at exit, a
// crash. The parent checks how the child ended; a child that hangs is killed once the
// patience runs out, so a hang fails the test instead of blocking it.
//
//     const child_end end = run_child([&] { ...; std::exit(0); });
//     REQUIRE(end.exited_with(0));
//
// ThreadSanitizer does not support a child that starts threads after a multi-threaded fork:
// SPDLOG_CORO_TEST_TSAN is defined in that build, so tests can skip the thread driver there.

#pragma once

#include "catch.h"

#if defined(__unix__)

    #if defined(__SANITIZE_THREAD__)
        #define SPDLOG_CORO_TEST_TSAN 1
    #elif defined(__has_feature)
        #if __has_feature(thread_sanitizer)
            #define SPDLOG_CORO_TEST_TSAN 1
        #endif
    #endif

    #include <csignal>
    #include <cstdio>
    #include <iostream>
    #include <string>
    #include <thread>

    #include <sys/wait.h>
    #include <unistd.h>

// How a child ended, seen from the parent.
struct child_end {
    bool finished = false;  // ended by itself before the parent gave up on it
    int status = 0;
    std::chrono::milliseconds took{0};

    bool died_of(int sig) const {
        return finished && WIFSIGNALED(status) && WTERMSIG(status) == sig;
    }
    bool exited_with(int code) const {
        return finished && WIFEXITED(status) && WEXITSTATUS(status) == code;
    }
    std::string describe() const {
        if (!finished) return "hung (killed by the test after its patience ran out)";
        if (WIFSIGNALED(status)) return "died of signal " + std::to_string(WTERMSIG(status));
        return "exited with " + std::to_string(WEXITSTATUS(status)) +
               " (97: the body returned, 98: the body threw)";
    }
};

// Runs `body` in a forked child, which must end the process itself (exit, crash). It never
// returns into Catch2: a body that returns ends the child with 97, one that throws with 98.
template <typename Body>
child_end run_child(Body body, std::chrono::seconds patience = std::chrono::seconds(60)) {
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    const auto started = std::chrono::steady_clock::now();
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        try {
            body();
        } catch (...) {
            ::_exit(98);
        }
        ::_exit(97);
    }
    child_end end;
    while (!(end.finished = ::waitpid(child, &end.status, WNOHANG) == child) &&
           std::chrono::steady_clock::now() - started < patience) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!end.finished) {
        ::kill(child, SIGKILL);
        ::waitpid(child, &end.status, 0);
    }
    end.took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return end;
}

#endif  // __unix__
