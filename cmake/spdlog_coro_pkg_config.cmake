# spdlog_coro_pkg_config.cmake - how the installed spdlog_coro.pc depends on spdlog.
#
# spdlog_coro_pc_dependency(<requires var> <cflags var>) sets, for the spdlog target the
# library was built against (SPDLOG_CORO_SPDLOG_TARGET):
#   - spdlog::spdlog: Requires "spdlog >= <min>", no extra Cflags. spdlog's own spdlog.pc
#     then brings its include directory, definitions and -lspdlog; which spdlog.pc that is
#     depends on the consumer's PKG_CONFIG_PATH, as for any pkg-config user.
#   - spdlog::spdlog_header_only: spdlog.pc cannot be required (it adds -lspdlog and
#     -DSPDLOG_COMPILED_LIB, which a header-only build must not get). Instead the Cflags
#     carry the header-only target's include directories and definitions, and Requires names
#     fmt when that spdlog uses an external fmt (SPDLOG_FMT_EXTERNAL).
# The text of <cflags var> starts with a space when not empty.

include_guard(GLOBAL)

function(spdlog_coro_pc_dependency requires_var cflags_var)
    set(requires "spdlog >= ${SPDLOG_CORO_SPDLOG_MIN_VERSION}")
    set(cflags "")
    if(SPDLOG_CORO_SPDLOG_TARGET STREQUAL "spdlog::spdlog_header_only")
        set(target spdlog::spdlog_header_only)
        get_target_property(aliased ${target} ALIASED_TARGET)
        if(aliased)
            set(target ${aliased})
        endif()
        get_target_property(definitions ${target} INTERFACE_COMPILE_DEFINITIONS)
        get_target_property(includes ${target} INTERFACE_INCLUDE_DIRECTORIES)
        set(requires "")
        foreach(definition IN LISTS definitions)
            if(definition MATCHES "^\\$<")
                continue()  # a generator expression: not expressible in a .pc file
            endif()
            string(APPEND cflags " -D${definition}")
            if(definition STREQUAL "SPDLOG_FMT_EXTERNAL")
                set(requires "fmt")
            endif()
        endforeach()
        foreach(dir IN LISTS includes)
            if(NOT dir MATCHES "^\\$<" AND IS_ABSOLUTE "${dir}")
                string(APPEND cflags " -I${dir}")
            endif()
        endforeach()
    endif()
    set(${requires_var} "${requires}" PARENT_SCOPE)
    set(${cflags_var} "${cflags}" PARENT_SCOPE)
endfunction()
