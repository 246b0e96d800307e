# conanfile.py - Conan 2 recipe for spdlog-coro (see docs/install.md).
#
# Run with Conan 2.8.1 (built from source, offline, on Debian 12): `conan create` succeeds
# against conan-center's spdlog 1.13 / fmt 10.2 recipes and against Debian's spdlog 1.10,
# static, shared and Debug (docs/install.md has the details). CI cannot run Conan (no
# registry): .ci/run checks that this file is valid Python, and the CMake options and install
# rules it relies on are those the ctest packaging tests exercise.
#
#     conan create . --build=missing -s compiler.cppstd=20
#     conan create . --build=missing -s compiler.cppstd=20 -o 'spdlog/*:header_only=True'
#
# test_package/ is conan-center's convention: `conan create` builds and runs it.
#
# Consumers: find_package(spdlog_coro CONFIG) + spdlog_coro::spdlog_coro (CMakeDeps), or
# pkg-config spdlog_coro (PkgConfigDeps), the same names as the installed package.

import os
import re

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir
from conan.tools.scm import Version

required_conan_version = ">=2.0"


class SpdlogCoroConan(ConanFile):
    name = "spdlog-coro"
    description = "Asynchronous sink for spdlog driven by a C++20 coroutine worker"
    license = "MIT"
    # conan-center's convention: url is the recipe's home, homepage the project's.
    url = "https://github.com/conan-io/conan-center-index"
    homepage = "https://github.com/OWNER/spdlog-coro"  # PLACEHOLDER, as in ports/spdlog-coro
    topics = ("logging", "spdlog", "coroutines", "asynchronous")
    package_type = "library"
    settings = "os", "arch", "compiler", "build_type"
    options = {"shared": [True, False], "fPIC": [True, False]}
    default_options = {"shared": False, "fPIC": True}
    # What the library build needs; tests, examples and the benchmark stay out.
    exports_sources = "CMakeLists.txt", "LICENSE", "CHANGELOG.md", "cmake/*", "include/*", "sink/*"

    def set_version(self):
        # One version number, in CMakeLists.txt's project() call.
        if self.version:
            return
        text = load(self, os.path.join(self.recipe_folder, "CMakeLists.txt"))
        match = re.search(r"project\(spdlog_coro VERSION ([0-9.]+)", text)
        if not match:
            raise ConanInvalidConfiguration("no project(spdlog_coro VERSION ...) in CMakeLists.txt")
        self.version = match.group(1)

    def config_options(self):
        if self.settings.os == "Windows":
            del self.options.fPIC

    def configure(self):
        if self.options.shared:
            self.options.rm_safe("fPIC")

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        # The public headers include spdlog's, so consumers need its headers and defines.
        self.requires("spdlog/[>=1.10 <2]", transitive_headers=True)

    # The oldest compilers whose C++20 coroutines (<coroutine>, symmetric transfer) the
    # library needs and that were built and tested: GCC 12 (Debian 12) and Clang 14 (Debian
    # 12's clang with libstdc++). GCC 11 and 10 (-fcoroutines) are not tried. Apple Clang and
    # MSVC are not tested; the minimums given are their first releases with a complete
    # <coroutine>, by their documentation.
    _min_compilers = {"gcc": "12", "clang": "14", "apple-clang": "15", "msvc": "193"}

    def validate(self):
        check_min_cppstd(self, 20)
        compiler = str(self.settings.compiler)
        minimum = self._min_compilers.get(compiler)
        if minimum and Version(self.settings.compiler.version) < minimum:
            raise ConanInvalidConfiguration(
                f"{self.ref} needs C++20 coroutines: {compiler} >= {minimum} "
                f"(got {self.settings.compiler.version})")
        if self.settings.os == "Windows" and self.options.shared:
            # No __declspec(dllexport) in the library: a DLL would export nothing.
            raise ConanInvalidConfiguration(f"{self.ref}: shared builds on Windows are not supported")

    def generate(self):
        toolchain = CMakeToolchain(self)
        toolchain.cache_variables["SPDLOG_CORO_BUILD_TESTS"] = False
        toolchain.cache_variables["SPDLOG_CORO_BUILD_EXAMPLES"] = False
        toolchain.cache_variables["SPDLOG_CORO_BUILD_BENCH"] = False
        toolchain.cache_variables["SPDLOG_CORO_INSTALL"] = True
        # spdlog's header-only package exports spdlog::spdlog_header_only, not spdlog::spdlog.
        if self.dependencies["spdlog"].options.get_safe("header_only"):
            toolchain.cache_variables["SPDLOG_CORO_SPDLOG_HEADER_ONLY"] = True
        toolchain.generate()
        CMakeDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        cmake = CMake(self)
        cmake.install()
        # Conan writes its consumers' CMake and pkg-config files from package_info().
        rmdir(self, os.path.join(self.package_folder, "lib", "cmake"))
        rmdir(self, os.path.join(self.package_folder, "lib", "pkgconfig"))

    def package_info(self):
        self.cpp_info.libs = ["spdlog_coro"]
        self.cpp_info.set_property("cmake_file_name", "spdlog_coro")
        self.cpp_info.set_property("cmake_target_name", "spdlog_coro::spdlog_coro")
        self.cpp_info.set_property("pkg_config_name", "spdlog_coro")
        # As the installed package's spdlog_coroConfigVersion.cmake says (CMakeLists.txt):
        # before 1.0 a minor version may break the API.
        compat = "SameMinorVersion" if Version(self.version) < "1.0" else "SameMajorVersion"
        self.cpp_info.set_property("cmake_config_version_compat", compat)
        if self.settings.os in ("Linux", "FreeBSD"):
            self.cpp_info.system_libs = ["pthread"]
