// rsyslog_server.h - a private rsyslogd for the tests: a real syslog server on loopback TCP.
//
// The [rsyslog] tests (tests/test_rsyslog.cpp) put spdlog's tcp_sink behind coro_sink and
// need a real destination that can be stalled, killed and restarted. rsyslog_server runs
// Debian's rsyslogd (or the one SPDLOG_CORO_RSYSLOGD names) as a child of the test, without
// root and without the system's config:
//   - a temporary directory holds the config, the pid file, rsyslogd's work directory and
//     what it writes; nothing outside it is read or written (no /etc/rsyslog.conf);
//   - `rsyslogd -n -f <conf> -i <pidfile>`: in the foreground, so it stays our child;
//   - imtcp listens on 127.0.0.1 and a port the kernel picks (port 0; rsyslogd writes the
//     port it got into a file), so parallel test runs never compete for a port; a restart
//     after kill() listens on the same port again, as a restarted real server would;
//   - every message received over TCP is appended to messages.log, one line each, with a
//     template that keeps only the syslog MSG part: the sink sends RFC 5424 lines
//     (rfc5424_pattern below), so each line of the file is exactly one logged payload.
// It is ready only once a probe message sent over TCP has come out in its probe file: a
// server that listens but cannot write (no permission, an AppArmor profile) is not usable.
// Probes go to a file of their own, so messages.log holds only what the tests logged.
//
//     rsyslog_server server;
//     if (!server.available()) SPDLOG_CORO_SKIP(server.unavailable_reason());
//     spdlog::sinks::tcp_sink_mt tcp({"127.0.0.1", server.port()});
//     ...
//     REQUIRE(wait_until([&] { return server.message_count() >= 1000; }));
//     const auto got = server.messages();
//
// The server is killed when the object goes (also when a REQUIRE throws), and by the kernel
// if the test process dies (child_process.h). Linux only. Not thread-safe: the test's main
// thread drives it.

#pragma once

#include "catch.h"
#include "child_process.h"
#include "temp_dir.h"
#include "wait_until.h"

#include <spdlog/common.h>
#include <spdlog/details/tcp_client.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

class rsyslog_server {
public:
    // The tcp_sink pattern that rsyslogd parses as RFC 5424: PRI 14 (user.info), version 1,
    // the time, no host name, the app name, no procid, msgid or structured data, then %v.
    static constexpr const char *rfc5424_pattern =
        "<14>1 %Y-%m-%dT%H:%M:%S.%f%z - spdlog-coro - - - %v";

    // Starts rsyslogd and waits until it is ready (up to the start deadline). Never throws
    // except std::bad_alloc: when there is no rsyslogd or it cannot be started, available()
    // is false and unavailable_reason() says why, so that the test can skip.
    rsyslog_server()
        : dir_("spdlog-coro-rsyslog") {
        if (!dir_.ok()) {
            reason_ = "cannot create a work directory: " + dir_.error();
            return;
        }
        const char *chosen = std::getenv("SPDLOG_CORO_RSYSLOGD");
        if (chosen != nullptr && *chosen != '\0') {
            binary_ = chosen;
            if (::access(chosen, X_OK) != 0) {
                reason_ = std::string("SPDLOG_CORO_RSYSLOGD=") + chosen + " is not executable";
                return;
            }
        } else {
            binary_ = find_rsyslogd();
            if (binary_.empty()) {
                reason_ =
                    "rsyslogd not found (not in PATH, /usr/sbin or /sbin, and "
                    "SPDLOG_CORO_RSYSLOGD is unset): install the rsyslog package, e.g. with "
                    "`bash scripts/dev.sh deps`";
                return;
            }
        }
        start(0);
    }

    rsyslog_server(const rsyslog_server &) = delete;
    rsyslog_server &operator=(const rsyslog_server &) = delete;

    // Whether the last start or restart succeeded; if not, unavailable_reason() says why.
    bool available() const { return reason_.empty(); }
    const std::string &unavailable_reason() const { return reason_; }

    // The TCP port on 127.0.0.1; the same after a restart.
    int port() const { return port_; }
    pid_t pid() const { return child_.pid(); }
    const std::string &directory() const { return dir_.path(); }

    // SIGSTOP: the server stops reading its sockets, and what is sent to it piles up in the
    // kernel's buffers, then blocks the sender. Returns once every thread of rsyslogd is
    // stopped (REQUIREs it, with the deadline of wait_until).
    void pause() {
        REQUIRE(child_.signal(SIGSTOP));
        REQUIRE(wait_until([&] { return child_.all_threads_stopped(); }));
        paused_ = true;
    }

    // SIGCONT after pause(). Returns once no thread of rsyslogd is stopped (REQUIREs it).
    void resume() {
        REQUIRE(child_.signal(SIGCONT));
        REQUIRE(wait_until([&] { return child_.no_thread_stopped(); }));
        paused_ = false;
    }
    bool paused() const { return paused_; }

    // Whether every thread of rsyslogd is stopped right now.
    bool stopped_now() const { return child_.all_threads_stopped(); }

    // SIGKILL and reap: the kernel closes the server's sockets at once (with a reset when
    // it leaves unread data behind). Whatever was queued in rsyslogd's memory or in the
    // kernel's socket buffers and not yet written to messages.log is lost.
    void kill() {
        child_.kill_and_reap();
        paused_ = false;
    }

    // Starts rsyslogd again on the same port, appending to the same messages.log, after
    // kill(). Returns whether it is ready; unavailable_reason() explains a failure.
    bool restart() {
        if (!available()) return false;
        child_.kill_and_reap();
        paused_ = false;
        return start(port_);
    }

    // Every complete line of messages.log: the payloads received, in the order rsyslogd
    // wrote them. Reads the whole file.
    std::vector<std::string> messages() const {
        std::ifstream in(messages_path());
        std::vector<std::string> out;
        std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::size_t begin = 0;
        for (std::size_t nl; (nl = all.find('\n', begin)) != std::string::npos; begin = nl + 1) {
            out.emplace_back(all, begin, nl - begin);
        }
        return out;
    }

    // How many complete lines messages.log has. Reads only what was appended since the last
    // call, so polling it on a file of many megabytes stays cheap.
    std::size_t message_count() {
        std::ifstream in(messages_path(), std::ios::binary);
        if (!in) return counted_lines_;
        in.seekg(static_cast<std::streamoff>(counted_bytes_));
        char buf[65536];
        while (in.read(buf, sizeof buf), in.gcount() > 0) {
            const auto n = static_cast<std::size_t>(in.gcount());
            counted_bytes_ += n;
            for (std::size_t i = 0; i < n; ++i) counted_lines_ += buf[i] == '\n' ? 1 : 0;
        }
        return counted_lines_;
    }

    // Waits (polling, up to `deadline`) until messages.log has at least n lines.
    bool wait_for_messages(std::size_t n,
                           std::chrono::milliseconds deadline = std::chrono::seconds(30)) {
        return wait_until([&] { return message_count() >= n; }, deadline);
    }

    // rsyslogd's own output and its internal messages, for failure reports.
    std::string diagnostics() const {
        return "rsyslogd output: [" + read_file(dir_.path() + "/rsyslogd.out") +
               "] rsyslogd internal log: [" + read_file(dir_.path() + "/internal.log") + "]";
    }

private:
    // rsyslogd in PATH, else in the sbin directories; "" when there is none.
    static std::string find_rsyslogd() {
        std::vector<std::string> dirs;
        if (const char *path = std::getenv("PATH")) {
            std::stringstream ss(path);
            for (std::string d; std::getline(ss, d, ':');) {
                if (!d.empty()) dirs.push_back(d);
            }
        }
        // A user's PATH often lacks the sbin directories, where Debian installs it.
        dirs.push_back("/usr/sbin");
        dirs.push_back("/sbin");
        for (const auto &d : dirs) {
            const std::string candidate = d + "/rsyslogd";
            if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        }
        return "";
    }

    static std::string read_file(const std::string &path) {
        std::ifstream in(path);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }

    std::string path(const char *name) const { return dir_.path() + "/" + name; }
    std::string messages_path() const { return path("messages.log"); }

    // The config: nothing but what the tests need. No input except imtcp on loopback, so no
    // /dev/log, no kernel log; rsyslogd's internal messages (the default ruleset) go to a file
    // of their own for diagnostics. The TCP input has its own ruleset with a direct queue:
    // a message is written while rsyslogd handles the bytes it read, not kept in a memory
    // queue in between. maxMessageSize is raised above the tests' largest message, so no
    // message is split. No DNS: the sender is always 127.0.0.1.
    std::string config(int port) const {
        std::string c;
        c += "global(workDirectory=\"" + dir_.path() + "\" maxMessageSize=\"64k\"";
        c += " net.enableDNS=\"off\")\n";
        c += "module(load=\"imtcp\")\n";
        c += "template(name=\"payload\" type=\"string\" string=\"%msg%\\n\")\n";
        c += "*.* action(type=\"omfile\" file=\"" + path("internal.log") + "\")\n";
        c += "ruleset(name=\"tcp\" queue.type=\"Direct\") {\n";
        c += "  if $msg startswith \"" + std::string(probe_prefix) + "\" then {\n";
        c +=
            "    action(type=\"omfile\" file=\"" + path("probe.log") + "\" template=\"payload\")\n";
        c += "  } else {\n";
        c += "    action(type=\"omfile\" file=\"" + messages_path() + "\" template=\"payload\")\n";
        c += "  }\n";
        c += "}\n";
        c += "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" + std::to_string(port) +
             "\" listenPortFileName=\"" + path("port") + "\" ruleset=\"tcp\")\n";
        return c;
    }

    // Starts rsyslogd listening on `port` (0: any) and waits until it is ready; sets
    // reason_ and returns false when it is not.
    bool start(int port) {
        reason_.clear();
        std::remove(path("port").c_str());
        std::remove(path("rsyslogd.pid").c_str());  // rsyslogd refuses to start over one
        {
            std::ofstream conf(path("rsyslog.conf"), std::ios::trunc);
            conf << config(port);
            if (!conf) {
                reason_ = "cannot write " + path("rsyslog.conf");
                return false;
            }
        }
        std::string error;
        if (!child_.start({binary_, "-n", "-f", path("rsyslog.conf"), "-i", path("rsyslogd.pid")},
                          path("rsyslogd.out"), error)) {
            reason_ = "cannot start " + binary_ + ": " + error;
            return false;
        }

        if (port == 0) {
            // rsyslogd writes the port it got into the port file once imtcp listens (only
            // for port 0). If it exits instead (a bad config, a binary that cannot run), say
            // so at once rather than at the deadline.
            int listening_port = 0;
            const bool listening = wait_until(
                [&] {
                    std::ifstream in(path("port"));
                    return ((in >> listening_port) && listening_port > 0) || child_.exited();
                },
                start_deadline);
            if (!listening || child_.exited()) {
                fail_start("did not report a listening port");
                return false;
            }
            port = listening_port;
        }
        port_ = port;
        return probe();
    }

    // The reason for a failed start, with what rsyslogd said; kills what is left of it.
    void fail_start(const std::string &what) {
        int status = 0;
        reason_ = binary_ + " " + what;
        if (child_.exited(&status)) {
            reason_ += " (it exited, wait status " + std::to_string(status) + ")";
        }
        reason_ += "; " + diagnostics();
        child_.kill_and_reap();
    }

    // Sends one probe message, retrying the connection until rsyslogd listens (after a
    // restart on a fixed port there is no port file to wait for), then waits until rsyslogd
    // has written it to probe.log. Sets reason_ and returns false when that does not happen.
    bool probe() {
        const std::string text = std::string(probe_prefix) + " " + std::to_string(++probes_);
        const std::string line = "<14>1 - - spdlog-coro - - - " + text + "\n";
        std::string last_error;
        const bool sent = wait_until(
            [&] {
                if (child_.exited()) return true;
                try {
                    spdlog::details::tcp_client client;
                    client.connect("127.0.0.1", port_);
                    client.send(line.data(), line.size());
                    return true;
                } catch (const spdlog::spdlog_ex &e) {
                    last_error = e.what();  // refused until imtcp listens
                    return false;
                }
            },
            start_deadline);
        if (!sent || child_.exited()) {
            fail_start("did not accept a probe on 127.0.0.1:" + std::to_string(port_) + " (" +
                       last_error + ")");
            return false;
        }
        const bool written = wait_until(
            [&] {
                return child_.exited() ||
                       read_file(path("probe.log")).find(text + "\n") != std::string::npos;
            },
            start_deadline);
        if (!written || child_.exited()) {
            fail_start("accepted a probe message but did not write it to " + path("probe.log") +
                       " (cannot write there? an AppArmor profile for rsyslogd?)");
            return false;
        }
        return true;
    }

    static constexpr const char *probe_prefix = "spdlog-coro-rsyslog-probe";
    static constexpr std::chrono::milliseconds start_deadline{std::chrono::seconds(20)};

    temp_dir dir_;
    std::string binary_;
    std::string reason_;
    child_process child_;
    int port_ = 0;
    int probes_ = 0;
    bool paused_ = false;
    std::size_t counted_lines_ = 0;
    std::uint64_t counted_bytes_ = 0;
};
