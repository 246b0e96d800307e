# run_consumer.cmake - packaging test, run by ctest with `cmake -P`.
#
# Installs the spdlog-coro build into a scratch prefix, then configures, builds and runs the
# consumer project against that prefix with find_package(spdlog_coro CONFIG); when
# pkg-config is available, also compiles, links and runs the same consumer with the flags
# of the installed spdlog_coro.pc.
#
# Inputs (-D): BUILD_DIR, CONFIG (may be empty), CONSUMER_DIR, WORK_DIR, GENERATOR,
# CXX_COMPILER, PREFIX_PATH ('|'-separated), SANITIZE (may be empty).

cmake_minimum_required(VERSION 3.21)

foreach(var BUILD_DIR CONSUMER_DIR WORK_DIR GENERATOR CXX_COMPILER)
    if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
        message(FATAL_ERROR "run_consumer.cmake: -D${var}=... is required")
    endif()
endforeach()

function(run what)
    message(STATUS "${what}")
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${what}: failed (${rc})")
    endif()
endfunction()

set(prefix "${WORK_DIR}/prefix")
set(consumer_build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

set(config_args)
if(CONFIG)
    set(config_args --config "${CONFIG}")
endif()
run("install into ${prefix}"
    "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}" ${config_args})

# The consumer's settings go through an initial cache file, which keeps lists intact.
string(REPLACE "|" ";" prefix_path "${PREFIX_PATH}")
list(PREPEND prefix_path "${prefix}")
set(sanitize_flags "")
if(SANITIZE)
    set(sanitize_flags "-fsanitize=${SANITIZE}")
endif()
file(WRITE "${WORK_DIR}/init.cmake"
    "set(CMAKE_PREFIX_PATH \"${prefix_path}\" CACHE STRING \"\")\n"
    "set(CMAKE_CXX_COMPILER \"${CXX_COMPILER}\" CACHE FILEPATH \"\")\n"
    "set(CMAKE_BUILD_TYPE \"${CONFIG}\" CACHE STRING \"\")\n"
    "set(CMAKE_CXX_FLAGS \"${sanitize_flags}\" CACHE STRING \"\")\n"
    "set(CMAKE_EXE_LINKER_FLAGS \"${sanitize_flags}\" CACHE STRING \"\")\n"
    "set(CMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY ON CACHE BOOL \"\")\n"
    "set(EXPECTED_PREFIX \"${prefix}\" CACHE PATH \"\")\n")
run("configure the find_package consumer"
    "${CMAKE_COMMAND}" -S "${CONSUMER_DIR}" -B "${consumer_build}" -G "${GENERATOR}"
    -C "${WORK_DIR}/init.cmake")
run("build the find_package consumer"
    "${CMAKE_COMMAND}" --build "${consumer_build}" ${config_args})
find_program(consumer_exe consumer PATHS "${consumer_build}" "${consumer_build}/${CONFIG}"
             NO_DEFAULT_PATH REQUIRED)
run("run the find_package consumer" "${consumer_exe}")

# pkg-config: the installed .pc file must give flags that compile and link the consumer.
find_program(PKG_CONFIG_EXECUTABLE pkg-config)
if(NOT PKG_CONFIG_EXECUTABLE OR CXX_COMPILER MATCHES "(^|[/\\])cl(\\.exe)?$")
    message(STATUS "no pkg-config, or an MSVC-style compiler: skipping the spdlog_coro.pc check")
    return()
endif()
file(GLOB_RECURSE pc_file "${prefix}/*/spdlog_coro.pc")
if(NOT pc_file)
    message(FATAL_ERROR "spdlog_coro.pc was not installed under ${prefix}")
endif()
get_filename_component(pc_dir "${pc_file}" DIRECTORY)
if(DEFINED ENV{PKG_CONFIG_PATH} AND NOT "$ENV{PKG_CONFIG_PATH}" STREQUAL "")
    set(ENV{PKG_CONFIG_PATH} "${pc_dir}:$ENV{PKG_CONFIG_PATH}")
else()
    set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
endif()
execute_process(COMMAND "${PKG_CONFIG_EXECUTABLE}" --cflags --libs spdlog_coro
                OUTPUT_VARIABLE pc_flags OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pkg-config --cflags --libs spdlog_coro failed (${rc})")
endif()
message(STATUS "pkg-config flags: ${pc_flags}")
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
separate_arguments(sanitize_flags UNIX_COMMAND "${sanitize_flags}")
set(pc_exe "${WORK_DIR}/consumer-pkg-config")
run("compile and link the consumer with pkg-config flags"
    "${CXX_COMPILER}" -std=c++20 ${sanitize_flags} "${CONSUMER_DIR}/main.cpp" -o "${pc_exe}"
    ${pc_flags})
get_filename_component(lib_dir "${pc_dir}" DIRECTORY)
run("run the pkg-config consumer"
    "${CMAKE_COMMAND}" -E env "LD_LIBRARY_PATH=${lib_dir}" "${pc_exe}")
