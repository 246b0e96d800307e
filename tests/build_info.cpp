// build_info.cpp - prints, on one line, what the test build was compiled with: the compiler,
// spdlog (compiled or header-only), its formatting library and Catch2, as the preprocessor
// saw them. scripts/dev.sh puts it into each CI job's "==> result:" line, so the matrix
// reports versions measured by the build itself, not package names.

#ifdef SPDLOG_CORO_CATCH3
    #include <catch2/catch_version_macros.hpp>
#else
    #include <catch2/catch.hpp>
#endif

#include <spdlog/spdlog.h>
#include <spdlog/version.h>

#include <cstdio>

int main() {
#if defined(__clang__)
    std::printf("Clang %d.%d.%d", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
    std::printf("GCC %d.%d.%d", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#elif defined(_MSC_VER)
    std::printf("MSVC %d", _MSC_VER);
#else
    std::printf("unknown compiler");
#endif
#if defined(__MINGW64__)
    std::printf(" (MinGW-w64 %d.%d)", __MINGW64_VERSION_MAJOR, __MINGW64_VERSION_MINOR);
#endif
    std::printf(" | spdlog %d.%d.%d (%s)", SPDLOG_VER_MAJOR, SPDLOG_VER_MINOR, SPDLOG_VER_PATCH,
#if defined(SPDLOG_HEADER_ONLY)
                "header-only"
#elif defined(SPDLOG_SHARED_LIB)
                "shared"
#else
                "compiled"
#endif
    );
#if defined(SPDLOG_USE_STD_FORMAT)
    std::printf(" | std::format (__cpp_lib_format %ld)", static_cast<long>(__cpp_lib_format));
#else
    std::printf(" | fmt %d.%d.%d (%s)", FMT_VERSION / 10000, FMT_VERSION / 100 % 100,
                FMT_VERSION % 100,
    #if defined(SPDLOG_FMT_EXTERNAL)
                "external"
    #else
                "bundled"
    #endif
    );
#endif
    std::printf(" | Catch2 %d.%d.%d\n", CATCH_VERSION_MAJOR, CATCH_VERSION_MINOR,
                CATCH_VERSION_PATCH);
    return 0;
}
