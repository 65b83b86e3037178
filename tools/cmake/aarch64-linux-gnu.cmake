# Cross build for 64-bit ARM (Grace, Graviton, A64FX) on Debian: GCC from g++-aarch64-linux-gnu, and the
# tests run under qemu-user. `cmake -S . -B build-aarch64 -G Ninja
# -DCMAKE_TOOLCHAIN_FILE=tools/cmake/aarch64-linux-gnu.cmake` builds the core, the configuration
# loader and their tests only (SYNORM_CORE_ONLY, on by default in a cross build: Debian has no arm64
# MPI, HDF5 or Boost beside the host's); tools/test runs that tier (label aarch64).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# Libraries are found by Debian's multiarch layout: CMake searches /usr/lib/aarch64-linux-gnu (the
# compiler's library architecture), so no find root is set; host programs are the host's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
# CTest runs the test programs (and gtest_discover_tests lists their tests) under user-mode QEMU. They
# run on Debian's arm64 runtime libraries (libc6, libstdc++6, libgomp1 :arm64 in /usr/lib/aarch64-linux-gnu;
# tools/setup), not on the cross toolchain's copies in /usr/aarch64-linux-gnu (qemu-aarch64 -L): under
# QEMU 7.2 the cross toolchain's libc (2.36-8cross1) hangs in the first pthread_create, every OpenMP
# region with two threads, while bookworm's libc6:arm64 (2.36-9+deb12u*) does not.
find_program(SYNORM_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
if(NOT SYNORM_QEMU_AARCH64)
  message(FATAL_ERROR "The aarch64 cross build runs its tests under qemu-aarch64 (Debian: qemu-user)")
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR ${SYNORM_QEMU_AARCH64})
