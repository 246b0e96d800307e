# test_find_package.cmake - ctest packaging.find_package: `cmake --install` into a scratch
# prefix, then the find_package/ consumer project built against that prefix and run.
# Inputs: see common.cmake.

include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")

set(prefix "${WORK_DIR}/prefix")
consumer_install("${prefix}")
consumer_cmake_project(find_package "${CONSUMERS_DIR}/find_package" exe
    PREFIX "${prefix}"
    CACHE "set(EXPECTED_PREFIX \"${prefix}\" CACHE PATH \"\")")
consumer_run("${exe}")
