# conanfile.py - Conan 2 recipe for spdlog-coro (see docs/install.md).
#
# Not tried: Conan was not available where this recipe was written, so it has never been
# run by Conan; .ci/run only checks that it is valid Python (python3 -m py_compile). The
# CMake options and install rules it relies on are those the ctest packaging tests exercise.
#
#     conan create . --build=missing -s compiler.cppstd=20
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

required_conan_version = ">=2.0"


class SpdlogCoroConan(ConanFile):
    name = "spdlog-coro"
    description = "Asynchronous sink for spdlog driven by a C++20 coroutine worker"
    license = "MIT"
    topics = ("logging", "spdlog", "coroutines", "asynchronous")
    package_type = "library"
    settings = "os", "arch", "compiler", "build_type"
    options = {"shared": [True, False], "fPIC": [True, False]}
    default_options = {"shared": False, "fPIC": True}
    # What the library build needs; tests, examples and the benchmark stay out.
    exports_sources = "CMakeLists.txt", "LICENSE", "cmake/*", "include/*", "sink/*"

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

    def validate(self):
        check_min_cppstd(self, 20)
        if self.settings.os == "Windows" and self.options.shared:
            # No __declspec(dllexport) in the library: a DLL would export nothing.
            raise ConanInvalidConfiguration(f"{self.ref}: shared builds on Windows are not supported")

    def generate(self):
        toolchain = CMakeToolchain(self)
        toolchain.cache_variables["SPDLOG_CORO_BUILD_TESTS"] = False
        toolchain.cache_variables["SPDLOG_CORO_BUILD_EXAMPLES"] = False
        toolchain.cache_variables["SPDLOG_CORO_BUILD_BENCH"] = False
        toolchain.cache_variables["SPDLOG_CORO_INSTALL"] = True
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
        if self.settings.os in ("Linux", "FreeBSD"):
            self.cpp_info.system_libs = ["pthread"]
