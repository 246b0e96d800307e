// child_process.h - a program started by a test, killed and reaped when the test ends.
//
// For tests that need a real server next to them (tests/rsyslog_server.h). The child is
// killed with SIGKILL and reaped by the destructor, so a failed REQUIRE (an exception) does
// not leave it running; and it is started with PR_SET_PDEATHSIG, so the kernel kills it even
// if the test process itself dies (crash, abort, ctest timeout) before any destructor runs.
//
//     child_process server;
//     std::string error;
//     if (!server.start({"/usr/sbin/rsyslogd", "-n", ...}, dir + "/out.txt", error)) ...;
//     server.signal(SIGSTOP);
//     wait_until([&] { return server.all_threads_stopped(); });
//
// Linux only (prctl, /proc). Not thread-safe: one thread drives a child_process.

#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

class child_process {
public:
    child_process() = default;
    ~child_process() { kill_and_reap(); }

    child_process(const child_process &) = delete;
    child_process &operator=(const child_process &) = delete;

    // Starts argv[0] (a path, not searched in PATH) with `argv`, stdin from /dev/null,
    // stdout and stderr appended to `output_path`, no other file descriptor inherited.
    // Returns false with `error` set when the child could not be created; a program that
    // cannot be executed shows up as a child that exited with status 127 (see exited()).
    // The child dies with the thread that started it (PR_SET_PDEATHSIG): start it from the
    // thread that lives as long as it should (in Catch2, the main thread). Never throws
    // except std::bad_alloc.
    bool start(const std::vector<std::string> &argv,
               const std::string &output_path,
               std::string &error) {
        kill_and_reap();
        // Everything the child needs is prepared here: between fork and exec the child may
        // only make async-signal-safe calls (the parent has other threads, whose locks,
        // malloc's included, may be held at the instant of the fork). That is also why this
        // is fork + exec at once, with nothing in between that the sanitizers' runtimes
        // would have to support in a forked child.
        std::vector<char *> args;
        std::vector<std::string> copies(argv);
        for (auto &a : copies) args.push_back(a.data());
        args.push_back(nullptr);
        const int out =
            ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (out < 0) {
            error = "open(" + output_path + "): " + std::strerror(errno);
            return false;
        }
        const int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null_in < 0) {
            error = std::string("open(/dev/null): ") + std::strerror(errno);
            ::close(out);
            return false;
        }
        sigset_t no_signals;
        sigemptyset(&no_signals);
        const pid_t parent = ::getpid();

        const pid_t pid = ::fork();
        if (pid == 0) {
            // The child. Killed when the parent goes; if it already went, stop here.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(126);
            // dup2 clears FD_CLOEXEC on the copies: only 0, 1 and 2 survive exec. Other
            // descriptors of the test process (a file sink's FILE*, sockets of other tests)
            // must not end up held open by the server.
            if (::dup2(null_in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) {
                ::_exit(126);
            }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
            ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
#endif
            // The test's threads may block signals; the server must start with none blocked.
            ::sigprocmask(SIG_SETMASK, &no_signals, nullptr);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        const int fork_errno = errno;
        ::close(out);
        ::close(null_in);
        if (pid < 0) {
            error = std::string("fork: ") + std::strerror(fork_errno);
            return false;
        }
        pid_ = pid;
        reaped_ = false;
        return true;
    }

    // The child's pid; 0 when none was started. Still valid after it was reaped.
    pid_t pid() const { return pid_; }

    // True once the child has ended (it is then reaped; `status` gives its wait status).
    // Never blocks.
    bool exited(int *status = nullptr) {
        if (pid_ == 0 || reaped_) {
            if (status) *status = status_;
            return true;
        }
        int st = 0;
        const pid_t r = ::waitpid(pid_, &st, WNOHANG);
        if (r == pid_ || (r < 0 && errno == ECHILD)) {
            reaped_ = true;
            status_ = st;
        }
        if (status) *status = status_;
        return reaped_;
    }

    // Sends `sig` to the child unless it has been reaped (its pid may belong to another
    // process by then). Returns whether the signal was sent.
    bool signal(int sig) {
        if (pid_ == 0 || reaped_) return false;
        return ::kill(pid_, sig) == 0;
    }

    // Whether every thread of the child is in the stopped state ('T' in /proc), i.e. a
    // SIGSTOP has taken effect everywhere and the child runs no code at all. False when the
    // child is gone.
    bool all_threads_stopped() const {
        return count_threads(true) > 0 && count_threads(false) == 0;
    }

    // Whether no thread of the child is stopped (a SIGCONT has taken effect everywhere).
    bool no_thread_stopped() const { return count_threads(true) == 0; }

    // SIGKILL, then waits for the child to end and reaps it. A stopped child is killed too.
    // Never throws. Idempotent.
    void kill_and_reap() noexcept {
        if (pid_ == 0 || reaped_) return;
        ::kill(pid_, SIGKILL);
        int st = 0;
        while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
        }
        reaped_ = true;
        status_ = st;
    }

private:
    // Threads of the child that are stopped (stopped == true) or not stopped (false).
    std::size_t count_threads(bool stopped) const {
        if (pid_ == 0 || reaped_) return 0;
        std::size_t n = 0;
        std::error_code ec;
        const std::string tasks = "/proc/" + std::to_string(pid_) + "/task";
        for (const auto &task : std::filesystem::directory_iterator(tasks, ec)) {
            std::ifstream in(task.path() / "stat");
            std::string line;
            if (!std::getline(in, line)) continue;  // the thread just ended
            // "tid (comm) S ...": comm may contain spaces and ')', the state follows the last.
            const auto close = line.rfind(')');
            if (close == std::string::npos || close + 2 >= line.size()) continue;
            const bool is_stopped = line[close + 2] == 'T';
            if (is_stopped == stopped) ++n;
        }
        return n;
    }

    pid_t pid_ = 0;
    bool reaped_ = true;
    int status_ = 0;
};
