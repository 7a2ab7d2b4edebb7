# Toolchain file: cross-compile wpool with `zig cc` for another system.
#
#   cmake -S . -B build/aarch64-linux-gnu -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/zig.cmake \
#         -DWPOOL_ZIG_TARGET=aarch64-linux-gnu -DCMAKE_COMPILE_WARNING_AS_ERROR=ON
#   cmake --build build/aarch64-linux-gnu
#   ctest --test-dir build/aarch64-linux-gnu -L plain      # through the emulator
#
# WPOOL_ZIG_TARGET is a zig target (`zig targets`): x86_64-macos, aarch64-macos,
# x86_64-windows-gnu, x86_64-freebsd, aarch64-linux-gnu, x86_64-linux-musl...
# zig is WPOOL_ZIG (a command, as a list) if given, else `zig` on PATH, else
# the zig binary of the PyPI package (`pip install ziglang`; found with
# python3 -m ziglang env). CMake cannot take a compiler with arguments, so this
# file writes small scripts into <build>/zig-<target>/ (cc, ar, ranlib:
# `zig cc -target <target>`, `zig ar`, `zig ranlib`) and uses them. zig builds
# the target's libc once and keeps it in its cache (~/.cache/zig): the first
# build for a target takes one to three minutes more.
#
# The test programs run through CMAKE_CROSSCOMPILING_EMULATOR:
#   <arch>-linux-*, arch of this machine   natively (no emulator)
#   <arch>-linux-*, another arch           qemu-<arch> (Debian qemu-user); for
#                                          *-gnu with -L WPOOL_QEMU_LD_PREFIX
#                                          (default /usr/<arch>-linux-gnu: Debian
#                                          libc6-<debian arch>-cross)
#   x86_64-windows-*                       wine64 (Debian wine64), WINEDEBUG=-all
#   anything else (macOS, FreeBSD...)      nothing: build only
# WPOOL_ZIG_RUNS (cache) says which: "native", "emulator" or "no: <why>".

if(NOT WPOOL_ZIG_TARGET)
  message(FATAL_ERROR "cmake/zig.cmake: set WPOOL_ZIG_TARGET to a zig target "
                      "(-DWPOOL_ZIG_TARGET=aarch64-linux-gnu, x86_64-windows-gnu, ...)")
endif()
# try_compile() projects read this file again: they get these from the main one.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES WPOOL_ZIG_TARGET WPOOL_ZIG WPOOL_ZIG_WRAPPERS)

# <arch>-<os>[.<version>][-<abi>]
if(NOT WPOOL_ZIG_TARGET MATCHES "^([a-z0-9_]+)-([a-z]+)")
  message(FATAL_ERROR "cmake/zig.cmake: '${WPOOL_ZIG_TARGET}' is not a zig target "
                      "(<arch>-<os>-<abi>)")
endif()
set(_zig_arch "${CMAKE_MATCH_1}")
set(_zig_os "${CMAKE_MATCH_2}")
set(_zig_systems linux Linux windows Windows macos Darwin freebsd FreeBSD netbsd NetBSD openbsd
                 OpenBSD)
list(FIND _zig_systems "${_zig_os}" _i)
if(_i LESS 0)
  message(FATAL_ERROR "cmake/zig.cmake: no CMake system name known for '${_zig_os}' "
                      "(${WPOOL_ZIG_TARGET})")
endif()
math(EXPR _i "${_i} + 1")
list(GET _zig_systems ${_i} CMAKE_SYSTEM_NAME)
set(CMAKE_SYSTEM_PROCESSOR "${_zig_arch}")
if(CMAKE_SYSTEM_NAME STREQUAL "Darwin" AND _zig_arch STREQUAL "aarch64")
  set(CMAKE_SYSTEM_PROCESSOR arm64)
endif()

# zig itself.
if(NOT WPOOL_ZIG)
  find_program(WPOOL_ZIG_PROGRAM zig)
  if(WPOOL_ZIG_PROGRAM)
    set(_zig "${WPOOL_ZIG_PROGRAM}")
  else()
    find_program(WPOOL_PYTHON3 NAMES python3 python)
    if(WPOOL_PYTHON3)
      # The package's own zig binary, run directly: no Python start-up per
      # compiler run.
      execute_process(COMMAND "${WPOOL_PYTHON3}" -m ziglang env RESULT_VARIABLE _rc
                      OUTPUT_VARIABLE _env ERROR_QUIET)
      if(_rc EQUAL 0)
        set(_zig "${WPOOL_PYTHON3}" -m ziglang)
        if(_env MATCHES "zig_exe\"?[ \t]*[=:][ \t]*\"([^\"]+)\"")
          if(EXISTS "${CMAKE_MATCH_1}")
            set(_zig "${CMAKE_MATCH_1}")
          endif()
        endif()
      endif()
    endif()
  endif()
  if(NOT _zig)
    message(FATAL_ERROR "cmake/zig.cmake: zig not found: put zig on PATH, `pip install ziglang`, "
                        "or -DWPOOL_ZIG=<command>")
  endif()
  set(WPOOL_ZIG "${_zig}" CACHE STRING "The zig command (a list: program and arguments)")
endif()

# The wrapper scripts, written by the main project (try_compile() projects
# get WPOOL_ZIG_WRAPPERS from it, and use them).
if(NOT WPOOL_ZIG_WRAPPERS)
  set(WPOOL_ZIG_WRAPPERS "${CMAKE_BINARY_DIR}/zig-${WPOOL_ZIG_TARGET}")
  set(_zig_quoted "")
  foreach(_arg IN LISTS WPOOL_ZIG)
    string(APPEND _zig_quoted " '${_arg}'")
  endforeach()
  foreach(_tool cc ar ranlib)
    set(_script "${WPOOL_ZIG_WRAPPERS}/${_tool}")
    if(_tool STREQUAL "cc")
      set(_command "cc -target ${WPOOL_ZIG_TARGET}")
    else()
      set(_command "${_tool}")
    endif()
    set(_content "#!/bin/sh\n# Written by cmake/zig.cmake.\n")
    string(APPEND _content "exec${_zig_quoted} ${_command} \"$@\"\n")
    set(_old "")
    if(EXISTS "${_script}")
      file(READ "${_script}" _old)
    endif()
    if(NOT _old STREQUAL _content)
      file(WRITE "${_script}.tmp" "${_content}")
      file(CHMOD "${_script}.tmp" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
                                              GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
      file(RENAME "${_script}.tmp" "${_script}")
    endif()
  endforeach()
  if(CMAKE_SYSTEM_NAME STREQUAL "Windows")
    # zig's MinGW has no libsynchronization.a, MinGW-w64's import library for
    # WaitOnAddress (c/build.txt's libs-windows): make it as MinGW-w64 does,
    # from the api-ms-win-core-synch-l1-2-0.def zig ships.
    execute_process(COMMAND ${WPOOL_ZIG} env OUTPUT_VARIABLE _env)
    string(REGEX MATCH "lib_dir\"?[ \t]*[=:][ \t]*\"([^\"]+)\"" _ "${_env}")
    set(_def "${CMAKE_MATCH_1}/libc/mingw/lib-common/api-ms-win-core-synch-l1-2-0.def")
    set(_machines x86_64 i386:x86-64 aarch64 arm64 x86 i386 thumb arm)
    list(FIND _machines "${_zig_arch}" _i)
    if(_i LESS 0)
      message(FATAL_ERROR "cmake/zig.cmake: no dlltool machine known for ${_zig_arch}")
    endif()
    math(EXPR _i "${_i} + 1")
    list(GET _machines ${_i} _machine)
    execute_process(COMMAND ${WPOOL_ZIG} dlltool -m ${_machine} -d "${_def}"
                            -l "${WPOOL_ZIG_WRAPPERS}/libsynchronization.a"
                    RESULT_VARIABLE _rc ERROR_VARIABLE _err)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "cmake/zig.cmake: cannot make libsynchronization.a from ${_def}: ${_err}")
    endif()
  endif()
endif()
if(CMAKE_SYSTEM_NAME STREQUAL "Windows")
  set(CMAKE_EXE_LINKER_FLAGS_INIT "-L${WPOOL_ZIG_WRAPPERS}")
  set(CMAKE_SHARED_LINKER_FLAGS_INIT "-L${WPOOL_ZIG_WRAPPERS}")
  set(CMAKE_MODULE_LINKER_FLAGS_INIT "-L${WPOOL_ZIG_WRAPPERS}")
endif()
set(CMAKE_C_COMPILER "${WPOOL_ZIG_WRAPPERS}/cc")
set(CMAKE_AR "${WPOOL_ZIG_WRAPPERS}/ar" CACHE FILEPATH "Archiver (zig ar)")
set(CMAKE_RANLIB "${WPOOL_ZIG_WRAPPERS}/ranlib" CACHE FILEPATH "Ranlib (zig ranlib)")

# Nothing of this machine's: no host package, library or header, no host
# pkg-config (GLib, which the benchmark compares with, is left out).
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(ENV{PKG_CONFIG_LIBDIR} "${WPOOL_ZIG_WRAPPERS}/no-pkg-config")
unset(ENV{PKG_CONFIG_PATH})

# How the test programs run.
set(_runs "")
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  if(CMAKE_HOST_SYSTEM_NAME STREQUAL "Linux" AND CMAKE_HOST_SYSTEM_PROCESSOR STREQUAL _zig_arch)
    set(_runs native)
  else()
    find_program(WPOOL_QEMU NAMES qemu-${_zig_arch} qemu-${_zig_arch}-static)
    if(NOT WPOOL_QEMU)
      set(_runs "no: qemu-${_zig_arch} not found (Debian: apt-get install qemu-user)")
    elseif(WPOOL_ZIG_TARGET MATCHES "-gnu")
      set(WPOOL_QEMU_LD_PREFIX "/usr/${_zig_arch}-linux-gnu"
          CACHE PATH "The ${_zig_arch} glibc qemu-${_zig_arch} runs the tests with (-L)")
      file(GLOB _ld "${WPOOL_QEMU_LD_PREFIX}/lib/ld-linux*.so*")
      if(_ld)
        set(CMAKE_CROSSCOMPILING_EMULATOR "${WPOOL_QEMU}" -L "${WPOOL_QEMU_LD_PREFIX}")
        set(_runs emulator)
      else()
        string(CONCAT _runs "no: no ${_zig_arch} glibc in WPOOL_QEMU_LD_PREFIX="
                      "${WPOOL_QEMU_LD_PREFIX} (Debian: apt-get install libc6-<arch>-cross; "
                      "or build for ${_zig_arch}-linux-musl)")
      endif()
    else()
      set(CMAKE_CROSSCOMPILING_EMULATOR "${WPOOL_QEMU}")
      set(_runs emulator)
    endif()
  endif()
elseif(CMAKE_SYSTEM_NAME STREQUAL "Windows" AND _zig_arch STREQUAL "x86_64")
  find_program(WPOOL_WINE NAMES wine64 wine PATHS /usr/lib/wine /usr/lib64/wine)
  if(WPOOL_WINE)
    set(CMAKE_CROSSCOMPILING_EMULATOR "${CMAKE_COMMAND}" -E env WINEDEBUG=-all "${WPOOL_WINE}")
    set(_runs emulator)
  else()
    set(_runs "no: wine64 not found (Debian: apt-get install wine64)")
  endif()
else()
  set(_runs "no: no emulator for ${CMAKE_SYSTEM_NAME} here")
endif()
set(WPOOL_ZIG_RUNS "${_runs}"
    CACHE INTERNAL "How the test programs run: native, emulator, no: <why>")
