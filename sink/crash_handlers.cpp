// crash_handlers.cpp - install_coro_crash_drain: the fatal-signal and terminate handlers,
// their watchdog and the alternate signal stack.
//
// On a fatal signal, on the crashing thread (on the alternate stack when it has one):
//   1. claim the drain. A second crashing thread waits for the first one's drain, up to the
//      deadline, i.e. for the process to die; a signal on the draining thread itself (a
//      fault inside a wrapped sink during the drain) skips to step 4 at once;
//   2. arm the watchdog: a timer that sends this same signal to this thread at the deadline;
//   3. drain every live sink (crash_drain.cpp), then disarm the watchdog;
//   4. chain: restore the previous disposition and raise the signal again (for a hardware
//      fault, return instead: the faulting instruction runs again and faults with its
//      genuine siginfo), so the process ends as it would have without us: same signal and
//      core dump, or the previous handler (Crashpad, a sanitizer) runs.
// When the watchdog fires, its signal re-enters our handler on the draining thread (the
// handler is installed with SA_NODEFER and the drain unblocks the signal: ThreadSanitizer
// runs handlers with every signal blocked), which recognizes the timer and chains at once:
// a wrapped sink that blocks cannot keep the process from dying of its crash.
//
// No SA_RESETHAND: with it, a second thread crashing with the same signal during the drain
// would meet the default action and end the process mid-drain, skipping the previous
// handler too. The drain claim handles recursion instead.
//
// Nothing here allocates once installed; everything the handlers read is written before
// the handlers are installed, or atomic.

#include "crash_drain.h"

#include "text.h"

#include <spdlog/common.h>
#include <spdlog/sinks/coro_crash_drain.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <exception>
#include <mutex>

#if defined(__linux__)
    #include <pthread.h>
    #include <sys/mman.h>
    #include <sys/syscall.h>
    #include <sys/time.h>
    #include <time.h>
    #include <unistd.h>
#endif

namespace spdlog {
namespace sinks {
namespace coro_detail {
namespace {

std::mutex install_mutex;  // serializes install_coro_crash_drain; never taken by a handler
std::atomic<std::int64_t> deadline_ms{1000};
bool terminate_installed = false;  // guarded by install_mutex
std::atomic<std::terminate_handler> previous_terminate{nullptr};

// Waits for another thread's drain until the deadline, arms the watchdog with `die_with`,
// drains. Returns without draining when this thread already drains (or drained).
void drain_for_crash(int die_with) noexcept;

#if defined(__linux__)

// Tells the watchdog's timer signal apart from any other signal with si_code SI_TIMER.
constexpr int watchdog_cookie = 0x636f726f;  // "coro"

struct guarded_signal {
    int number;
    struct sigaction previous;  // written before our handler is installed, then only read
    bool installed;             // guarded by install_mutex
};
guarded_signal guarded[] = {
    {SIGSEGV, {}, false}, {SIGBUS, {}, false},  {SIGFPE, {}, false},
    {SIGILL, {}, false},  {SIGABRT, {}, false},
};

const struct sigaction *previous_action(int sig) noexcept {
    for (const guarded_signal &g : guarded) {
        if (g.number == sig) return &g.previous;
    }
    return nullptr;
}

void unblock(int sig) noexcept {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

void set_default(int sig) noexcept {
    struct sigaction dfl;
    std::memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, nullptr);
}

// Restores what was there before us; our handler is not called for `sig` again.
void restore_previous(int sig) noexcept {
    if (const struct sigaction *previous = previous_action(sig)) {
        sigaction(sig, previous, nullptr);
    } else {
        set_default(sig);
    }
}

// Step 4 of the file comment.
void chain(int sig, const siginfo_t *info) noexcept {
    restore_previous(sig);
    // Sent (raise, kill, abort, a timer): sent again. A fault (si_code > 0, set by the
    // kernel) happens again by itself when the handler returns.
    if (info == nullptr || info->si_code <= 0 || sig == SIGABRT) raise(sig);
}

// The watchdog fired: the drain is stuck. Chain without waiting for it; if the previous
// handler returns (it may not expect a second signal), die of the default action.
[[noreturn]] void give_up(int sig) noexcept {
    restore_previous(sig);
    raise(sig);
    set_default(sig);
    unblock(sig);
    raise(sig);
    _exit(128 + sig);
}

// Arms at construction, disarms at destruction. A POSIX timer with a thread-directed signal
// (Linux), created with raw system calls: glibc's timer_create may allocate. If no timer
// can be created, SIGALRM at its default action ends the process instead (without the
// original signal and its core dump: the lesser evil next to hanging).
class watchdog {
public:
    watchdog(int sig, std::chrono::milliseconds after) noexcept {
        unblock(sig);
        struct itimerspec when;
        std::memset(&when, 0, sizeof when);
        when.it_value.tv_sec = static_cast<time_t>(after.count() / 1000);
        when.it_value.tv_nsec = static_cast<long>(after.count() % 1000) * 1000000L;
        struct sigevent event;
        std::memset(&event, 0, sizeof event);
        event.sigev_notify = SIGEV_THREAD_ID;
        event.sigev_signo = sig;
        event.sigev_value.sival_int = watchdog_cookie;
    #if defined(sigev_notify_thread_id)
        event.sigev_notify_thread_id = static_cast<pid_t>(syscall(SYS_gettid));
    #else
        // Older glibc headers (Debian 12 included) lack the name for this field.
        event._sigev_un._tid = static_cast<pid_t>(syscall(SYS_gettid));
    #endif
        int id = -1;
        if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &event, &id) == 0) {
            if (syscall(SYS_timer_settime, id, 0, &when, nullptr) == 0) {
                timer_ = id;
                return;
            }
            syscall(SYS_timer_delete, id);
        }
        sigaction(SIGALRM, nullptr, &previous_alarm_);
        set_default(SIGALRM);
        unblock(SIGALRM);
        struct itimerval alarm_at;
        std::memset(&alarm_at, 0, sizeof alarm_at);
        alarm_at.it_value.tv_sec = when.it_value.tv_sec;
        alarm_at.it_value.tv_usec = when.it_value.tv_nsec / 1000;
        alarm_armed_ = setitimer(ITIMER_REAL, &alarm_at, nullptr) == 0;
    }
    ~watchdog() {
        if (timer_ >= 0) syscall(SYS_timer_delete, timer_);
        if (alarm_armed_) {
            struct itimerval off;
            std::memset(&off, 0, sizeof off);
            setitimer(ITIMER_REAL, &off, nullptr);
            sigaction(SIGALRM, &previous_alarm_, nullptr);
        }
    }
    watchdog(const watchdog &) = delete;
    watchdog &operator=(const watchdog &) = delete;

private:
    int timer_ = -1;
    bool alarm_armed_ = false;
    struct sigaction previous_alarm_ {};
};

void on_fatal_signal(int sig, siginfo_t *info, void *) {
    const int saved_errno = errno;
    if (info != nullptr && info->si_code == SI_TIMER &&
        info->si_value.sival_int == watchdog_cookie) {
        give_up(sig);
    }
    drain_for_crash(sig);
    chain(sig, info);
    errno = saved_errno;
}

// Signal handlers on the installing thread run here, so that a stack overflow (the thread's
// own stack exhausted) can still be handled. Mapped, not allocated: a sanitizer runtime may
// unmap a thread's alternate stack when the thread exits.
constexpr std::size_t alternate_stack_size = 256 * 1024;

void ensure_alternate_stack() noexcept {
    stack_t current;
    std::memset(&current, 0, sizeof current);
    if (sigaltstack(nullptr, &current) != 0) return;
    if ((current.ss_flags & SS_ONSTACK) != 0) return;  // running on it: cannot change it
    if ((current.ss_flags & SS_DISABLE) == 0 && current.ss_size >= alternate_stack_size) return;
    const long page = sysconf(_SC_PAGESIZE);
    const std::size_t guard = page > 0 ? static_cast<std::size_t>(page) : 4096;
    void *base = mmap(nullptr, guard + alternate_stack_size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return;  // the handlers then run on the thread's own stack
    // A guard page below it (stacks grow down): overflowing it faults instead of
    // overwriting whatever is mapped there.
    mprotect(base, guard, PROT_NONE);
    stack_t ours;
    std::memset(&ours, 0, sizeof ours);
    ours.ss_sp = static_cast<char *>(base) + guard;
    ours.ss_size = alternate_stack_size;
    // Never unmapped: a signal may arrive at any moment of the thread's life. The stack it
    // replaces (if any) is not ours to unmap either.
    if (sigaltstack(&ours, nullptr) != 0) munmap(base, guard + alternate_stack_size);
}

void install_signal_handlers() {
    ensure_alternate_stack();
    for (guarded_signal &g : guarded) {
        if (g.installed) continue;
        // Read the previous disposition first: our handler may run as soon as it is set.
        if (sigaction(g.number, nullptr, &g.previous) != 0) {
            throw_spdlog_ex("install_coro_crash_drain: sigaction failed", errno);
        }
        struct sigaction action;
        std::memset(&action, 0, sizeof action);
        action.sa_sigaction = on_fatal_signal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
        if (sigaction(g.number, &action, nullptr) != 0) {
            throw_spdlog_ex("install_coro_crash_drain: sigaction failed", errno);
        }
        g.installed = true;
    }
}

void drain_for_crash(int die_with) noexcept {
    const auto deadline = std::chrono::milliseconds(deadline_ms.load(std::memory_order_relaxed));
    const auto start = std::chrono::steady_clock::now();
    if (claim_drain(start + deadline) != drain_claim::claimed) return;
    // The claim is never released: the process is dying (see release_drain).
    watchdog dog(die_with, deadline);
    drain_all(start, deadline, true);
}

#else  // not Linux: no signal handlers, and the terminate handler has no watchdog

void drain_for_crash(int) noexcept {
    const auto deadline = std::chrono::milliseconds(deadline_ms.load(std::memory_order_relaxed));
    const auto start = std::chrono::steady_clock::now();
    if (claim_drain(start + deadline) != drain_claim::claimed) return;
    drain_all(start, deadline, true);
}

#endif

void on_terminate() noexcept {
    drain_for_crash(SIGABRT);
    if (const std::terminate_handler previous = previous_terminate.load()) previous();
    std::abort();  // no previous handler, or one that returned
}

}  // namespace
}  // namespace coro_detail

void install_coro_crash_drain(const coro_crash_drain_options &options) {
    using namespace coro_detail;
    // Validated before anything is installed. The upper bound keeps the timer arithmetic
    // far from overflowing; a dying process has no use for a longer wait.
    constexpr auto max_deadline = std::chrono::milliseconds(std::chrono::hours(1));
    if (options.deadline.count() <= 0 || options.deadline > max_deadline) {
        throw_spdlog_ex(concat("coro_crash_drain_options: deadline = ", options.deadline,
                               " is invalid; valid range: 1ms .. ", max_deadline));
    }
#if !defined(__linux__)
    if (options.on_signals) {
        throw_spdlog_ex(
            "coro_crash_drain_options: on_signals = true is invalid on this platform; valid "
            "values: false (only Linux is supported)");
    }
#endif
    std::lock_guard<std::mutex> lock(install_mutex);
    deadline_ms.store(options.deadline.count(), std::memory_order_relaxed);
#if defined(__linux__)
    if (options.on_signals) install_signal_handlers();
#endif
    if (options.on_terminate && !terminate_installed) {
        previous_terminate.store(std::set_terminate(on_terminate));
        terminate_installed = true;
    }
}

}  // namespace sinks
}  // namespace spdlog
