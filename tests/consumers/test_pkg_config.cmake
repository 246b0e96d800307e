# test_pkg_config.cmake - ctest packaging.pkg_config: `cmake --install` into a scratch
# prefix, then consumer.cpp compiled and linked by the compiler alone with the flags of
# `pkg-config --cflags --libs spdlog_coro` (PKG_CONFIG_PATH pointing into the prefix), and
# run. Also checks the .pc file's version and dependency. Needs pkg-config (or pkgconf).
# Inputs: see common.cmake.

include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")

find_program(pkg_config NAMES pkg-config pkgconf NO_CACHE REQUIRED)

set(prefix "${WORK_DIR}/prefix")
consumer_install("${prefix}")
file(GLOB_RECURSE pc_file "${prefix}/*/spdlog_coro.pc")
list(LENGTH pc_file count)
if(NOT count EQUAL 1)
    message(FATAL_ERROR "expected one spdlog_coro.pc under ${prefix}, found: '${pc_file}'")
endif()
get_filename_component(pc_dir "${pc_file}" DIRECTORY)
consumer_pkg_config_path("${pc_dir}")

consumer_output(pc_version "pkg-config --modversion" "${pkg_config}" --modversion spdlog_coro)
if(NOT pc_version STREQUAL VERSION)
    message(FATAL_ERROR "spdlog_coro.pc has version '${pc_version}', expected '${VERSION}'")
endif()
consumer_output(pc_requires "pkg-config --print-requires"
    "${pkg_config}" --print-requires spdlog_coro)
if(SPDLOG_HEADER_ONLY)
    # spdlog.pc describes the compiled library: a header-only build must not pull it in.
    if(pc_requires MATCHES "(^|\n)spdlog( |$)")
        message(FATAL_ERROR "spdlog_coro.pc of a header-only build requires spdlog.pc: '${pc_requires}'")
    endif()
elseif(NOT pc_requires MATCHES "(^|\n)spdlog( |$)")
    message(FATAL_ERROR "spdlog_coro.pc does not require spdlog: '${pc_requires}'")
endif()
consumer_output(pc_flags "pkg-config --cflags --libs"
    "${pkg_config}" --cflags --libs spdlog_coro)
if(SPDLOG_HEADER_ONLY AND pc_flags MATCHES "SPDLOG_COMPILED_LIB")
    message(FATAL_ERROR "header-only build, but the pkg-config flags ask for the compiled spdlog: ${pc_flags}")
endif()
string(FIND "${pc_flags}" "-I${prefix}/" at)
if(at EQUAL -1)
    message(FATAL_ERROR "the pkg-config flags do not point into ${prefix}: ${pc_flags}")
endif()

separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
consumer_compile(exe ${pc_flags})
get_filename_component(lib_dir "${pc_dir}" DIRECTORY)
consumer_run("${exe}" "${lib_dir}")
