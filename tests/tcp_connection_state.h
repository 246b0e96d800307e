// tcp_connection_state.h - whether a loopback TCP connection is stalled by its receiver,
// read from /proc/net/tcp.
//
// A receiver that stops reading (the [rsyslog] tests SIGSTOP rsyslogd) lets its receive
// buffer fill up; it then advertises a zero window, and the sender's kernel keeps the unsent
// bytes and probes the window on a timer. That timer ("tr" 4 in /proc/net/tcp) is the
// kernel's own statement that the connection cannot move: together with a sender asleep in
// send() (thread_activity.h), it proves the sender is blocked for as long as the receiver
// does not read, without guessing buffer sizes (loopback buffers hold megabytes, and the
// amount depends on the machine's settings). Linux only, IPv4.

#pragma once

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

// Whether /proc/net/tcp can be read here.
inline bool tcp_table_observable() {
    std::ifstream in("/proc/net/tcp");
    std::string header;
    return static_cast<bool>(std::getline(in, header));
}

// Whether an established connection to port `port` (any IPv4 address; the tests use
// 127.0.0.1) has its zero-window probe timer pending: the receiver's window is closed and
// the sender has bytes waiting. Never throws except std::bad_alloc.
inline bool zero_window_towards(int port) {
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, ":%04X", static_cast<unsigned>(port) & 0xFFFFu);
    std::ifstream in("/proc/net/tcp");
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
        // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when ..."
        std::istringstream fields(line);
        std::string slot, local, remote, state, queues, timer;
        if (!(fields >> slot >> local >> remote >> state >> queues >> timer)) continue;
        const bool to_port = remote.size() > 5 && remote.compare(remote.size() - 5, 5, suffix) == 0;
        const bool established = state == "01";
        const bool probing_zero_window = timer.rfind("04:", 0) == 0;
        if (to_port && established && probing_zero_window) return true;
    }
    return false;
}
