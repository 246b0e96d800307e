# common.cmake - what the packaging tests (test_*.cmake, run by ctest with `cmake -P`) share:
# checking their inputs, a fresh scratch directory, installing the build, building and
# running the consumer program (consumer.cpp) with the compiler and sanitizers of the
# spdlog-coro build under test.
#
# Inputs (-D), set by tests/CMakeLists.txt:
#   SOURCE_DIR    the spdlog-coro source tree
#   BUILD_DIR     its build tree (already built)
#   CONFIG        the configuration under test (may be empty with a single-config generator)
#   WORK_DIR      scratch directory of this test, wiped first
#   GENERATOR     CMake generator for the consumer projects
#   CXX_COMPILER  the compiler of the build under test
#   PREFIX_PATH   its CMAKE_PREFIX_PATH, '|'-separated (where spdlog was found)
#   SANITIZE      its SPDLOG_CORO_SANITIZE (may be empty): the consumers use the same
#   VERSION       the spdlog-coro version the packages must carry
#   SPDLOG_VERSION, SPDLOG_STD_FORMAT (0|1), SPDLOG_LIBRARY (a file, or none)
#                 the spdlog the build used; the consumer checks it runs that one (see
#                 consumer.cpp). Empty: not checked (a parent project's spdlog).
#   SPDLOG_HEADER_ONLY  the build used spdlog::spdlog_header_only (ON/OFF): so does the
#                 add_subdirectory consumer, and the .pc then carries spdlog's flags instead
#                 of `Requires: spdlog`
#   SPDLOG_DIR    that spdlog's CMake package directory (its spdlog.pc is looked up from it)
#   TOOLCHAIN_FILE, EMULATOR, EXE_SUFFIX, EXE_LINKER_FLAGS
#                 of a cross build (scripts/mingw.sh): the consumer projects use the same
#                 toolchain file, consumer_compile the same link flags and program suffix
#                 (.exe), and the consumer runs under the emulator (wine). Empty otherwise.

cmake_minimum_required(VERSION 3.21)
include_guard(GLOBAL)

foreach(var SOURCE_DIR BUILD_DIR WORK_DIR GENERATOR CXX_COMPILER VERSION)
    if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
        message(FATAL_ERROR "${CMAKE_SCRIPT_MODE_FILE}: -D${var}=... is required")
    endif()
endforeach()

set(CONSUMERS_DIR "${CMAKE_CURRENT_LIST_DIR}")
set(CONSUMER_SOURCE "${CONSUMERS_DIR}/consumer.cpp")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

set(CONFIG_ARGS)
if(CONFIG)
    set(CONFIG_ARGS --config "${CONFIG}")
endif()
set(SANITIZE_FLAGS)
if(SANITIZE)
    set(SANITIZE_FLAGS "-fsanitize=${SANITIZE}")
endif()
string(REPLACE "|" ";" BUILD_PREFIX_PATH "${PREFIX_PATH}")

# consumer_step(<what> <command>...): runs the command, fails the test when it fails.
function(consumer_step what)
    message(STATUS "${what}")
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${what}: failed (${rc})")
    endif()
endfunction()

# consumer_output(<var> <what> <command>...): like consumer_step, the stripped standard
# output in <var>.
function(consumer_output var what)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${what}: failed (${rc})")
    endif()
    message(STATUS "${what}: ${out}")
    set(${var} "${out}" PARENT_SCOPE)
endfunction()

# consumer_install(<prefix>): `cmake --install` of the build under test into <prefix>.
function(consumer_install prefix)
    consumer_step("install into ${prefix}"
        "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}" ${CONFIG_ARGS})
endfunction()

# consumer_cmake_project(<name> <project dir> <exe var> [PREFIX <dir>] [CACHE <line>...]):
# configures and builds the consumer CMake project in <project dir> into WORK_DIR/<name>,
# with the compiler and sanitizers of the build under test; <exe var> receives the path of
# the consumer program. PREFIX goes first in CMAKE_PREFIX_PATH. Each CACHE line is a
# `set(... CACHE ...)` command added to the initial cache. With a single-config generator
# the consumer is built without optimisation (empty CMAKE_BUILD_TYPE), whatever the build
# type under test: these tests check packaging, not code generation, and -O0 halves their
# compile time. It links with the installed configuration all the same.
function(consumer_cmake_project name project_dir exe_var)
    cmake_parse_arguments(PARSE_ARGV 3 arg "" "PREFIX" "CACHE")
    set(build "${WORK_DIR}/${name}")
    set(prefix_path ${BUILD_PREFIX_PATH})
    if(arg_PREFIX)
        list(PREPEND prefix_path "${arg_PREFIX}")
    endif()
    # An initial cache file keeps lists and spaces intact.
    set(init "${WORK_DIR}/${name}-init.cmake")
    file(WRITE "${init}"
        "set(CMAKE_PREFIX_PATH \"${prefix_path}\" CACHE STRING \"\")\n"
        "set(CMAKE_CXX_COMPILER \"${CXX_COMPILER}\" CACHE FILEPATH \"\")\n"
        "set(CMAKE_BUILD_TYPE \"\" CACHE STRING \"\")\n"
        "set(CMAKE_CXX_FLAGS \"${SANITIZE_FLAGS}\" CACHE STRING \"\")\n"
        "set(CMAKE_EXE_LINKER_FLAGS \"${EXE_LINKER_FLAGS} ${SANITIZE_FLAGS}\" CACHE STRING \"\")\n"
        "set(CMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY ON CACHE BOOL \"\")\n"
        "set(SPDLOG_CORO_VERSION \"${VERSION}\" CACHE STRING \"\")\n")
    if(SPDLOG_HEADER_ONLY)
        file(APPEND "${init}" "set(SPDLOG_CORO_SPDLOG_HEADER_ONLY ON CACHE BOOL \"\")\n")
    endif()
    if(TOOLCHAIN_FILE)
        file(APPEND "${init}" "set(CMAKE_TOOLCHAIN_FILE \"${TOOLCHAIN_FILE}\" CACHE FILEPATH \"\")\n")
    endif()
    foreach(line IN LISTS arg_CACHE)
        file(APPEND "${init}" "${line}\n")
    endforeach()
    consumer_step("configure the ${name} consumer"
        "${CMAKE_COMMAND}" -S "${project_dir}" -B "${build}" -G "${GENERATOR}" -C "${init}")
    consumer_step("build the ${name} consumer"
        "${CMAKE_COMMAND}" --build "${build}" ${CONFIG_ARGS})
    find_program(exe NAMES consumer${EXE_SUFFIX} consumer PATHS "${build}" "${build}/${CONFIG}" NO_DEFAULT_PATH
                 NO_CACHE REQUIRED)
    set(${exe_var} "${exe}" PARENT_SCOPE)
endfunction()

# consumer_compile(<exe var> <flags>...): compiles and links consumer.cpp into
# WORK_DIR/consumer (plus EXE_SUFFIX) with the compiler alone, C++20, the sanitizers and
# EXE_LINKER_FLAGS of the build under test, then <flags>; <exe var> receives its path.
function(consumer_compile exe_var)
    set(exe "${WORK_DIR}/consumer${EXE_SUFFIX}")
    separate_arguments(link_flags UNIX_COMMAND "${EXE_LINKER_FLAGS}")
    consumer_step("compile and link ${exe}"
        "${CXX_COMPILER}" -std=c++20 ${SANITIZE_FLAGS} "${CONSUMER_SOURCE}" -o "${exe}" ${ARGN}
        ${link_flags})
    set(${exe_var} "${exe}" PARENT_SCOPE)
endfunction()

# consumer_run(<exe> [<library dir>]): runs the consumer program, which logs into
# <exe>.log and checks what it finds there. <library dir> goes into LD_LIBRARY_PATH (for a
# shared libspdlog_coro that is not in the program's run path).
function(consumer_run exe)
    set(env)
    if(ARGC GREATER 1)
        set(env "${CMAKE_COMMAND}" -E env "LD_LIBRARY_PATH=${ARGV1}")
    endif()
    set(expect)
    foreach(check version std_format library)
        string(TOUPPER "SPDLOG_${check}" var)
        if(NOT "${${var}}" STREQUAL "")
            string(REPLACE "_" "-" option "${check}")
            if(check STREQUAL "version")
                set(option "spdlog-version")
            elseif(check STREQUAL "library")
                set(option "spdlog-library")
            endif()
            list(APPEND expect "--${option}" "${${var}}")
        endif()
    endforeach()
    consumer_step("run ${exe}" ${env} ${EMULATOR} "${exe}" "${exe}.log" ${expect})
endfunction()

# consumer_pkg_config_path(<pc dir>): puts <pc dir> first in PKG_CONFIG_PATH, and after it
# the directory of the spdlog.pc that belongs to the spdlog the build used (next to its CMake
# package: <libdir>/cmake/spdlog -> <libdir>/pkgconfig), as a user of a spdlog in its own
# prefix would. Without it, `Requires: spdlog` resolves against whatever spdlog.pc the
# system has, and the consumer runs another spdlog than the library was built for.
function(consumer_pkg_config_path pc_dir)
    set(path "${pc_dir}")
    if(SPDLOG_DIR)
        get_filename_component(spdlog_pc_dir "${SPDLOG_DIR}/../../pkgconfig" ABSOLUTE)
        if(EXISTS "${spdlog_pc_dir}/spdlog.pc")
            string(APPEND path ":${spdlog_pc_dir}")
        endif()
    endif()
    if(DEFINED ENV{PKG_CONFIG_PATH} AND NOT "$ENV{PKG_CONFIG_PATH}" STREQUAL "")
        string(APPEND path ":$ENV{PKG_CONFIG_PATH}")
    endif()
    set(ENV{PKG_CONFIG_PATH} "${path}")
    message(STATUS "PKG_CONFIG_PATH=${path}")
endfunction()
