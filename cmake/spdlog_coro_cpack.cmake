# spdlog_coro_cpack.cmake - CPack settings: `cpack -G DEB` in the build tree makes the Debian
# package libspdlog-coro-dev_<version>-1_<arch>.deb; `cpack` alone also makes a .tar.gz.
#
# Included by the top-level CMakeLists.txt after the install rules, only when spdlog-coro is
# the top-level project and SPDLOG_CORO_INSTALL is on: a parent project that adds us with
# add_subdirectory keeps its own CPack settings. Tested by ctest packaging.deb
# (tests/consumers/test_deb.cmake), which builds the .deb, unpacks it and builds a consumer
# against it.
#
# The package holds what `cmake --install` installs (headers, library, CMake package,
# pkg-config file) plus, in the .deb, /usr/share/doc/libspdlog-coro-dev/copyright,
# changelog.Debian.gz and changelog.gz; the .deb's libraries are stripped as dh_strip does
# (spdlog_coro_deb_strip.cmake), so lintian reports no error or warning on it. It follows
# the build: the library is static unless BUILD_SHARED_LIBS is on (then the .so goes into the
# same package), and the CMake and pkg-config files are relocatable. The library directory
# is Debian's multiarch one (/usr/lib/x86_64-linux-gnu, see CMakeLists.txt) on Debian and its
# derivatives, else /usr/lib, unless CMAKE_INSTALL_LIBDIR says otherwise. One lintian tag is
# overridden, in /usr/share/lintian/overrides/libspdlog-coro-dev, with the reason.
#
# SPDLOG_CORO_DEB_MAINTAINER sets the Maintainer field; the default is a placeholder.

include_guard(GLOBAL)

set(SPDLOG_CORO_DEB_MAINTAINER "spdlog-coro contributors <maintainers@spdlog-coro.invalid>"
    CACHE STRING "Maintainer field of the .deb made by cpack: \"Name <email>\"")

set(CPACK_VERBATIM_VARIABLES TRUE)  # values reach cpack exactly as written here
set(CPACK_PACKAGE_NAME "spdlog-coro")
set(CPACK_PACKAGE_VENDOR "spdlog-coro contributors")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "asynchronous sink for spdlog driven by a C++20 coroutine worker")
# Lines under 80 columns: the .deb's extended description keeps these line breaks.
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "coro_sink sits in front of the spdlog sinks an application already has:\n"
    "log() copies the message into a bounded queue and returns, and a worker\n"
    "coroutine writes the queued messages to the wrapped sinks in batches. The\n"
    "worker runs inline in log(), when the application polls, or on a thread\n"
    "owned by the sink. A wrapped sink that throws is isolated: the worker\n"
    "restarts with a backoff, then falls back to synchronous writing. Every\n"
    "message is written, or counted as dropped or failed.\n"
    "\n"
    "This package holds the headers, the library, the CMake package\n"
    "(find_package(spdlog_coro), target spdlog_coro::spdlog_coro) and the\n"
    "pkg-config file (spdlog_coro).")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_GENERATOR TGZ)
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    list(APPEND CPACK_GENERATOR DEB)
endif()
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\.git/" "/\\.git$" "/build[^/]*/")

# --- Debian --------------------------------------------------------------------------------

set(CPACK_DEBIAN_PACKAGE_NAME "libspdlog-coro-dev")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # <name>_<version>-<release>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION "libdevel")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${SPDLOG_CORO_DEB_MAINTAINER}")
# Debian's spdlog carries the epoch 1: (1:1.10.0+ds-0.4 in Debian 12). libspdlog-dev brings
# libspdlog1.10 and libfmt-dev; Threads is part of libc.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libspdlog-dev (>= 1:${SPDLOG_CORO_SPDLOG_MIN_VERSION})")

# Debian wants the license as /usr/share/doc/<package>/copyright, in the machine-readable
# format: written into <dir>/copyright from LICENSE.
function(spdlog_coro_deb_copyright dir)
    file(READ "${PROJECT_SOURCE_DIR}/LICENSE" text)
    if(NOT text MATCHES "Copyright \\(c\\) ([^\n]+)")
        message(FATAL_ERROR "LICENSE: no 'Copyright (c) ...' line")
    endif()
    set(holder "${CMAKE_MATCH_1}")
    string(REGEX REPLACE "^MIT License\n+" "" text "${text}")
    string(REGEX REPLACE "\n+$" "" text "${text}")
    # Each line of the license text indented by one space, an empty line written " .".
    string(REPLACE "\n\n" "\n.\n" text "${text}")
    string(REPLACE "\n" "\n " text " ${text}")
    file(WRITE "${dir}/copyright"
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        "Upstream-Name: spdlog-coro\n"
        "\n"
        "Files: *\n"
        "Copyright: ${holder}\n"
        "License: MIT\n"
        "${text}\n")
endfunction()

# The copyright file and the changelogs (from CHANGELOG.md, see spdlog_coro_changelog.cmake)
# go into the .deb only, through a per-generator settings file.
set(SPDLOG_CORO_DEB_DOC_DIR "${PROJECT_BINARY_DIR}/cpack/deb-doc")
file(REMOVE_RECURSE "${SPDLOG_CORO_DEB_DOC_DIR}")
spdlog_coro_deb_copyright("${SPDLOG_CORO_DEB_DOC_DIR}")
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")  # the .deb is only made there
    include("${CMAKE_CURRENT_LIST_DIR}/spdlog_coro_changelog.cmake")
    spdlog_coro_deb_changelogs("${SPDLOG_CORO_DEB_DOC_DIR}" "${CPACK_DEBIAN_PACKAGE_NAME}"
                               "${SPDLOG_CORO_DEB_MAINTAINER}")
endif()
set(SPDLOG_CORO_DEB_LINTIAN_DIR "${PROJECT_BINARY_DIR}/cpack/deb-lintian")
file(WRITE "${SPDLOG_CORO_DEB_LINTIAN_DIR}/${CPACK_DEBIAN_PACKAGE_NAME}"
    "# This package is made by the project's CPack, not uploaded to Debian: there is no\n"
    "# ITP bug for its first changelog entry to close.\n"
    "${CPACK_DEBIAN_PACKAGE_NAME}: initial-upload-closes-no-bugs\n")
file(WRITE "${PROJECT_BINARY_DIR}/cpack/spdlog_coro_cpack_generator.cmake"
    "# Generated by cmake/spdlog_coro_cpack.cmake: settings of one CPack generator.\n"
    "if(CPACK_GENERATOR STREQUAL \"DEB\")\n"
    "    set(CPACK_INSTALLED_DIRECTORIES\n"
    "        \"${SPDLOG_CORO_DEB_DOC_DIR}\" \"usr/share/doc/${CPACK_DEBIAN_PACKAGE_NAME}\"\n"
    "        \"${SPDLOG_CORO_DEB_LINTIAN_DIR}\" \"usr/share/lintian/overrides\")\n"
    "    set(CPACK_PRE_BUILD_SCRIPTS \"${CMAKE_CURRENT_LIST_DIR}/spdlog_coro_deb_strip.cmake\")\n"
    "    set(SPDLOG_CORO_STRIP \"${CMAKE_STRIP}\")\n"
    "endif()\n")
set(CPACK_PROJECT_CONFIG_FILE "${PROJECT_BINARY_DIR}/cpack/spdlog_coro_cpack_generator.cmake")

include(CPack)
