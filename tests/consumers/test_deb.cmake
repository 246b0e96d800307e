# test_deb.cmake - ctest packaging.deb: `cpack -G DEB` of the build tree, then the .deb is
# checked (control fields, file list, no path of the build machine inside), unpacked with
# `dpkg-deb -x` into a scratch root (nothing is installed on the system), and the
# find_package/ consumer project is built against <root>/usr and run: the CMake package must
# be relocatable. The unpacked spdlog_coro.pc must point into the root as well.
#
# Needs dpkg-deb; tests/CMakeLists.txt runs this through require.sh, which skips the test
# (SKIP_RETURN_CODE) when it is missing. Inputs: see common.cmake, plus CPACK_COMMAND.

include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")

if(NOT CPACK_COMMAND)
    message(FATAL_ERROR "test_deb.cmake: -DCPACK_COMMAND=... is required")
endif()
find_program(dpkg_deb dpkg-deb NO_CACHE REQUIRED)

# --- build the package ----------------------------------------------------------------------

set(cpack_dir "${WORK_DIR}/cpack")
set(cpack_config_args)
if(CONFIG)
    set(cpack_config_args -C "${CONFIG}")
endif()
consumer_step("cpack -G DEB into ${cpack_dir}"
    "${CPACK_COMMAND}" -G DEB --config "${BUILD_DIR}/CPackConfig.cmake" -B "${cpack_dir}"
    ${cpack_config_args})
file(GLOB deb "${cpack_dir}/*.deb")
list(LENGTH deb count)
if(NOT count EQUAL 1)
    message(FATAL_ERROR "expected one .deb in ${cpack_dir}, found: '${deb}'")
endif()

# --- control fields -------------------------------------------------------------------------

# expect_field(<field> <regex>): the field of the .deb's control file must match <regex>.
function(expect_field field regex)
    consumer_output(value "${field}" "${dpkg_deb}" --field "${deb}" "${field}")
    if(NOT value MATCHES "${regex}")
        message(FATAL_ERROR "${field}: '${value}' does not match '${regex}'")
    endif()
endfunction()
string(REPLACE "." "\\." version_re "${VERSION}")
expect_field(Package "^libspdlog-coro-dev$")
expect_field(Version "^${version_re}-[0-9]+$")
expect_field(Architecture "^[a-z0-9-]+$")
expect_field(Depends "(^|, )libspdlog-dev \\(>= 1:1\\.10\\)(,|$)")
expect_field(Section "^libdevel$")
expect_field(Priority "^optional$")
expect_field(Maintainer "^[^<>]+ <[^<>@]+@[^<>@]+>$")
expect_field(Description "^[^\n]*spdlog[^\n]*\n .*coro_sink")

# --- file list ------------------------------------------------------------------------------

set(root "${WORK_DIR}/root")
consumer_step("unpack with dpkg-deb -x into ${root}" "${dpkg_deb}" -x "${deb}" "${root}")
file(GLOB_RECURSE files LIST_DIRECTORIES false RELATIVE "${root}" "${root}/*")
list(SORT files)
string(REPLACE ";" "\n  " listing "${files}")
message(STATUS "files in the .deb:\n  ${listing}")

# /usr/lib, or the multiarch directory (on Debian and its derivatives, see CMakeLists.txt).
set(lib "usr/lib(/[a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+)?")
set(cmake_dir "${lib}/cmake/spdlog_coro")
set(required
    "^${lib}/libspdlog_coro\\.(a|so)$"
    "^${cmake_dir}/spdlog_coroConfig\\.cmake$"
    "^${cmake_dir}/spdlog_coroConfigVersion\\.cmake$"
    "^${cmake_dir}/spdlog_coroTargets\\.cmake$"
    "^${cmake_dir}/spdlog_coroTargets-[a-z]+\\.cmake$"
    "^${lib}/pkgconfig/spdlog_coro\\.pc$"
    "^usr/share/doc/libspdlog-coro-dev/copyright$"
    "^usr/share/doc/libspdlog-coro-dev/changelog\\.Debian\\.gz$"
    "^usr/share/doc/libspdlog-coro-dev/changelog\\.gz$"
    "^usr/share/lintian/overrides/libspdlog-coro-dev$")
file(GLOB headers RELATIVE "${SOURCE_DIR}/include" "${SOURCE_DIR}/include/spdlog/sinks/*.h")
foreach(header IN LISTS headers)
    string(REPLACE "." "\\." header_re "${header}")
    list(APPEND required "^usr/include/${header_re}$")
endforeach()
set(allowed ${required} "^${lib}/libspdlog_coro\\.so\\.[0-9.]+$")

foreach(re IN LISTS required)
    set(found 0)
    foreach(f IN LISTS files)
        if(f MATCHES "${re}")
            math(EXPR found "${found} + 1")
        endif()
    endforeach()
    if(NOT found EQUAL 1)
        message(FATAL_ERROR "the .deb has ${found} files matching '${re}', expected one")
    endif()
endforeach()
foreach(f IN LISTS files)
    set(known FALSE)
    foreach(re IN LISTS allowed)
        if(f MATCHES "${re}")
            set(known TRUE)
        endif()
    endforeach()
    if(NOT known)
        message(FATAL_ERROR "the .deb holds an unexpected file: ${f}")
    endif()
    # The packaged text files must not name the machine the package was built on.
    if(f MATCHES "\\.(cmake|pc)$")
        file(READ "${root}/${f}" text)
        foreach(path IN ITEMS "${SOURCE_DIR}" "${BUILD_DIR}")
            string(FIND "${text}" "${path}" at)
            if(NOT at EQUAL -1)
                message(FATAL_ERROR "${f} names ${path}: the package is not relocatable")
            endif()
        endforeach()
    endif()
endforeach()

# --- lintian -------------------------------------------------------------------------------

# Debian's own checks of the package: any error or warning fails the test (informational
# and pedantic tags are printed, not fatal). Where lintian is not installed (it is in the
# Debian 13 CI job, scripts/debian-chroot.sh), this is said and skipped.
find_program(lintian lintian NO_CACHE)
if(lintian)
    consumer_step("lintian --fail-on error,warning ${deb}"
        "${lintian}" --fail-on error,warning --display-info "${deb}")
else()
    message(STATUS "no lintian: the .deb's Debian policy checks are not run here")
endif()

# --- consumers against the unpacked root ----------------------------------------------------

consumer_cmake_project(deb "${CONSUMERS_DIR}/find_package" exe
    PREFIX "${root}/usr"
    CACHE "set(EXPECTED_PREFIX \"${root}/usr\" CACHE PATH \"\")")
consumer_run("${exe}")

find_program(pkg_config NAMES pkg-config pkgconf NO_CACHE)
if(NOT pkg_config)
    message(STATUS "no pkg-config: the unpacked spdlog_coro.pc is not checked")
    return()
endif()
file(GLOB_RECURSE pc_file "${root}/*/spdlog_coro.pc")
get_filename_component(pc_dir "${pc_file}" DIRECTORY)
consumer_pkg_config_path("${pc_dir}")
consumer_output(pc_cflags "pkg-config --cflags" "${pkg_config}" --cflags spdlog_coro)
string(FIND "${pc_cflags}" "-I${root}/" at)
if(at EQUAL -1)
    message(FATAL_ERROR "the unpacked spdlog_coro.pc does not point into ${root}: ${pc_cflags}")
endif()
