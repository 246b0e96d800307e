# mingw-w64-x86_64.cmake - cross-compiling for 64-bit Windows with Debian's MinGW-w64 (the
# posix thread model: g++-mingw-w64-x86-64-posix), running what was built under wine.
#
#   cmake -S . -B build-mingw -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake
#
# scripts/mingw.sh uses it (spdlog is cross-built from its release tarball the same way).
# Programs are linked statically (libstdc++, libgcc, winpthread), so wine runs them without
# a copy of the MinGW DLLs. CMAKE_CROSSCOMPILING_EMULATOR makes ctest, catch_discover_tests
# and the packaging consumers start them through wine (SPDLOG_CORO_WINE overrides which).

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(SPDLOG_CORO_MINGW_TRIPLET x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${SPDLOG_CORO_MINGW_TRIPLET}-gcc-posix)
set(CMAKE_CXX_COMPILER ${SPDLOG_CORO_MINGW_TRIPLET}-g++-posix)
set(CMAKE_RC_COMPILER ${SPDLOG_CORO_MINGW_TRIPLET}-windres)

# Headers and libraries of the target only from the MinGW sysroot (and the prefixes given in
# CMAKE_PREFIX_PATH, e.g. the cross-built spdlog); programs from the host.
# A prefix in CMAKE_PREFIX_PATH is a root of its own, so it is searched as it is.
set(CMAKE_FIND_ROOT_PATH /usr/${SPDLOG_CORO_MINGW_TRIPLET} ${CMAKE_PREFIX_PATH})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

if(DEFINED ENV{SPDLOG_CORO_WINE})
    set(CMAKE_CROSSCOMPILING_EMULATOR "$ENV{SPDLOG_CORO_WINE}")
else()
    # Debian's wine64 package installs /usr/lib/wine/wine64 only; the wine package adds the
    # /usr/bin launcher.
    find_program(SPDLOG_CORO_WINE_PROGRAM NAMES wine64 wine PATHS /usr/lib/wine)
    if(SPDLOG_CORO_WINE_PROGRAM)
        set(CMAKE_CROSSCOMPILING_EMULATOR "${SPDLOG_CORO_WINE_PROGRAM}")
    endif()
endif()
