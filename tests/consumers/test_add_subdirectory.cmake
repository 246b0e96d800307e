# test_add_subdirectory.cmake - ctest packaging.add_subdirectory: the add_subdirectory/
# consumer project builds this source tree as a subproject, then is run. The project checks
# that no tests, examples or benchmark were added; this script checks that no install rules
# were (installing the consumer's build tree must install nothing).
# Inputs: see common.cmake.

include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")

consumer_cmake_project(add_subdirectory "${CONSUMERS_DIR}/add_subdirectory" exe
    CACHE "set(SPDLOG_CORO_SOURCE_DIR \"${SOURCE_DIR}\" CACHE PATH \"\")")
consumer_run("${exe}")

set(prefix "${WORK_DIR}/prefix")
consumer_step("install the consumer's build tree into ${prefix}"
    "${CMAKE_COMMAND}" --install "${WORK_DIR}/add_subdirectory" --prefix "${prefix}"
    ${CONFIG_ARGS})
file(GLOB_RECURSE installed RELATIVE "${prefix}" "${prefix}/*")
if(installed)
    message(FATAL_ERROR "spdlog-coro as a subproject installed files: ${installed}")
endif()
