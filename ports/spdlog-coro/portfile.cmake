# portfile.cmake - vcpkg overlay port of spdlog-coro (see docs/install.md).
#
# Not tried: vcpkg was not available where this port was written, so it has never been
# built by vcpkg. The CMake calls below are those the ctest packaging tests exercise
# (install, CMake package, pkg-config file), but the port itself is untested.
#
# Before use, replace the three PLACEHOLDER values: the GitHub repository, the release tag
# (or commit) and its SHA512. With SHA512 0, vcpkg stops and prints the hash it downloaded.

vcpkg_from_github(
    OUT_SOURCE_PATH SOURCE_PATH
    REPO OWNER/spdlog-coro  # PLACEHOLDER: the GitHub owner/name of spdlog-coro
    REF "v${VERSION}"       # PLACEHOLDER: the tag (or commit) of this version
    SHA512 0                # PLACEHOLDER: the SHA512 of that archive
    HEAD_REF main
)

# The library marks no symbols for export (no __declspec(dllexport)): no DLL on Windows.
if(VCPKG_TARGET_IS_WINDOWS)
    vcpkg_check_linkage(ONLY_STATIC_LIBRARY)
endif()

# BUILD_SHARED_LIBS follows the triplet (vcpkg_cmake_configure sets it). Tests and examples
# are on by default in a top-level build: off here, so Catch2 is not needed.
vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        -DSPDLOG_CORO_BUILD_TESTS=OFF
        -DSPDLOG_CORO_BUILD_EXAMPLES=OFF
        -DSPDLOG_CORO_BUILD_BENCH=OFF
        -DSPDLOG_CORO_INSTALL=ON
)
vcpkg_cmake_install()

# The CMake package (find_package(spdlog_coro)) is installed in lib/cmake/spdlog_coro;
# vcpkg wants it in share/spdlog_coro.
vcpkg_cmake_config_fixup(PACKAGE_NAME spdlog_coro CONFIG_PATH lib/cmake/spdlog_coro)
vcpkg_fixup_pkgconfig()
vcpkg_copy_pdbs()

file(REMOVE_RECURSE
    "${CURRENT_PACKAGES_DIR}/debug/include"
    "${CURRENT_PACKAGES_DIR}/debug/share"
)

file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
