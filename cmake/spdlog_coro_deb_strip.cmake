# spdlog_coro_deb_strip.cmake - CPack pre-build script of the .deb (CPACK_PRE_BUILD_SCRIPTS,
# set by spdlog_coro_cpack.cmake): strips the staged libraries as Debian's dh_strip does,
# which lintian checks (static-library-has-unneeded-sections): debug information, .comment
# and .note sections, and time stamps and owners in archives (deterministic). The library
# of the build tree and of `cmake --install` keep their debug information.
#
# Runs inside cpack with CPACK_TEMPORARY_INSTALL_DIRECTORY (the staging tree) and
# SPDLOG_CORO_STRIP (the build's CMAKE_STRIP) set.

if(NOT SPDLOG_CORO_STRIP)
    message(FATAL_ERROR "spdlog_coro_deb_strip.cmake: no strip program (CMAKE_STRIP is empty)")
endif()
file(GLOB_RECURSE archives "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*.a")
file(GLOB_RECURSE shared "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*.so*")
set(common --remove-section=.comment --remove-section=.note)
foreach(library IN LISTS archives)
    execute_process(COMMAND "${SPDLOG_CORO_STRIP}" --strip-debug ${common}
                            --enable-deterministic-archives "${library}"
                    RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "strip ${library}: failed (${rc})")
    endif()
endforeach()
foreach(library IN LISTS shared)
    if(IS_SYMLINK "${library}")
        continue()
    endif()
    execute_process(COMMAND "${SPDLOG_CORO_STRIP}" --strip-unneeded ${common} "${library}"
                    RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "strip ${library}: failed (${rc})")
    endif()
endforeach()
