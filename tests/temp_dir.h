// temp_dir.h - a private temporary directory, removed with everything in it at scope exit.
//
//     temp_dir dir("spdlog-coro-rsyslog");
//     if (!dir.ok()) ...;                 // dir.error() says why
//     std::ofstream(dir.path() + "/x");   // removed with the directory

#pragma once

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

class temp_dir {
public:
    // Creates <TMPDIR or /tmp>/<prefix>-XXXXXX, readable by its owner only (mkdtemp). Never
    // throws; on failure ok() is false and error() says why.
    explicit temp_dir(const std::string &prefix) {
        std::error_code ec;
        std::filesystem::path base = std::filesystem::temp_directory_path(ec);
        if (ec) base = "/tmp";
        std::string pattern = (base / (prefix + "-XXXXXX")).string();
        std::vector<char> buf(pattern.begin(), pattern.end());
        buf.push_back('\0');
        if (::mkdtemp(buf.data()) == nullptr) {
            error_ = "mkdtemp(" + pattern + "): " + std::strerror(errno);
            return;
        }
        path_ = buf.data();
    }

    // Removes the directory and its contents; errors are ignored (a leftover in the temporary
    // directory must not fail a test).
    ~temp_dir() {
        if (path_.empty()) return;
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }

    temp_dir(const temp_dir &) = delete;
    temp_dir &operator=(const temp_dir &) = delete;

    bool ok() const { return !path_.empty(); }
    const std::string &error() const { return error_; }
    // The absolute path, without a trailing slash; empty when !ok().
    const std::string &path() const { return path_; }

private:
    std::string path_;
    std::string error_;
};
