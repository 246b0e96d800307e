# spdlog_coro_harden.cmake - warnings and sanitizers for one target at a time.
#
# spdlog_coro_harden(<target>) adds to that target only (never to global flags, so a parent
# project that adds spdlog-coro with add_subdirectory is not affected):
#   - the warnings -Wall -Wextra -Wpedantic -Wshadow (/W4 with MSVC), and -Werror (/WX)
#     when SPDLOG_CORO_WERROR is ON;
#   - the sanitizers named by SPDLOG_CORO_SANITIZE ("" = none, "address,undefined",
#     "thread"), to both compile and link, with frame pointers kept for readable stacks and
#     every UndefinedBehaviorSanitizer finding made fatal.
# The options themselves are declared in the top-level CMakeLists.txt.

include_guard(GLOBAL)

function(spdlog_coro_harden target)
    if(MSVC)
        # C4324 ("structure was padded due to alignment specifier") reports what the
        # alignas(64) members of sink/ are for: keeping the producers' and the worker's
        # cache lines apart. Never compiled here (MSVC cannot run on Debian): by reading.
        target_compile_options(${target} PRIVATE /W4 /wd4324 $<$<BOOL:${SPDLOG_CORO_WERROR}>:/WX>)
    else()
        target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                                 $<$<BOOL:${SPDLOG_CORO_WERROR}>:-Werror>)
        # GCC 12 reports -Wrestrict falsely for `"literal" + std::string` once optimised
        # (GCC bugs 105329, 105651, fixed in 13): keep the warning, not as an error.
        if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
            target_compile_options(${target} PRIVATE -Wno-error=restrict)
        endif()
    endif()

    if(SPDLOG_CORO_SANITIZE STREQUAL "")
        return()
    endif()
    if(MSVC)
        message(FATAL_ERROR "SPDLOG_CORO_SANITIZE is only supported with GCC and Clang")
    endif()
    set(flags -fsanitize=${SPDLOG_CORO_SANITIZE} -fno-omit-frame-pointer)
    if(SPDLOG_CORO_SANITIZE MATCHES "undefined")
        list(APPEND flags -fno-sanitize-recover=undefined)
    endif()
    target_compile_options(${target} PRIVATE ${flags})
    target_link_options(${target} PRIVATE -fsanitize=${SPDLOG_CORO_SANITIZE})
endfunction()
