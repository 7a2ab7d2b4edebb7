# cross/<target>: configures wpool for a zig target with cmake/zig.cmake and
# warnings as errors, builds everything (library, C tests, benchmark, demo)
# and, with RUN=ON, runs the plain suite (ctest -L plain) through the
# emulator the toolchain file chose (tests/cross/CMakeLists.txt lists them).
#
#   cmake -DTARGET=aarch64-linux-gnu -DRUN=ON -DWPOOL_SOURCE_DIR=... -DWORK_DIR=...
#         -DGENERATOR=Ninja [-DMAKE_PROGRAM=...] [-DJOBS=2] -P cross.cmake
#
# zig: `zig` on PATH, else `python3 -m ziglang` (pip install ziglang), found
# here as cmake/zig.cmake finds it (without it the test is skipped).
cmake_minimum_required(VERSION 3.20)

foreach(_var TARGET WPOOL_SOURCE_DIR WORK_DIR GENERATOR)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "script argument -D${_var}=... is missing")
  endif()
endforeach()
if(NOT JOBS)
  set(JOBS 2)
endif()

# cx_skip(<reason>): ends the test as skipped (SKIP_REGULAR_EXPRESSION); or
# failed, where the environment has WPOOL_CROSS_TESTS_REQUIRED=1 (CI: .ci/run).
macro(cx_skip reason)
  if("$ENV{WPOOL_CROSS_TESTS_REQUIRED}" MATCHES "^(1|ON|YES|TRUE)$")
    message(FATAL_ERROR "cross test failed (${TARGET}): WPOOL_CROSS_TESTS_REQUIRED is set, "
                        "but: ${reason}")
  endif()
  message(STATUS "cross test skipped: ${reason}")
  return()
endmacro()

# cx_run(<command>... [OUTPUT_VARIABLE <var>]): runs a command, echoing it and
# its output; fails the test if it fails.
function(cx_run)
  cmake_parse_arguments(R "" "OUTPUT_VARIABLE" "" ${ARGN})
  string(JOIN " " _shown ${R_UNPARSED_ARGUMENTS})
  message(STATUS "$ ${_shown}")
  execute_process(COMMAND ${R_UNPARSED_ARGUMENTS} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out
                  ERROR_VARIABLE _out)
  message("${_out}")
  if(NOT _rc STREQUAL "0")
    message(FATAL_ERROR "cross test failed (${TARGET}): command failed (${_rc}): ${_shown}")
  endif()
  if(R_OUTPUT_VARIABLE)
    set(${R_OUTPUT_VARIABLE} "${_out}" PARENT_SCOPE)
  endif()
endfunction()

find_program(_zig zig)
if(NOT _zig)
  find_program(_python NAMES python3 python)
  if(_python)
    execute_process(COMMAND "${_python}" -m ziglang version RESULT_VARIABLE _rc OUTPUT_QUIET
                    ERROR_QUIET)
    if(_rc EQUAL 0)
      set(_zig "${_python}" -m ziglang)
    endif()
  endif()
endif()
if(NOT _zig)
  cx_skip("zig not found (pip install ziglang, or zig on PATH)")
endif()
execute_process(COMMAND ${_zig} version OUTPUT_VARIABLE _version OUTPUT_STRIP_TRAILING_WHITESPACE)
message(STATUS "zig ${_version}: ${_zig}")

set(_bin "${WORK_DIR}/build")
file(REMOVE_RECURSE "${_bin}")
set(_args
    -S "${WPOOL_SOURCE_DIR}" -B "${_bin}" -G "${GENERATOR}"
    "-DCMAKE_TOOLCHAIN_FILE=${WPOOL_SOURCE_DIR}/cmake/zig.cmake" "-DWPOOL_ZIG_TARGET=${TARGET}"
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_COMPILE_WARNING_AS_ERROR=ON)
if(MAKE_PROGRAM)
  list(APPEND _args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
cx_run("${CMAKE_COMMAND}" ${_args})
cx_run("${CMAKE_COMMAND}" --build "${_bin}" -j ${JOBS})

if(NOT RUN)
  message(STATUS "${TARGET}: built (library, tests, benchmark, demo); not run here")
  return()
endif()
file(STRINGS "${_bin}/CMakeCache.txt" _runs REGEX "^WPOOL_ZIG_RUNS:")
string(REGEX REPLACE "^[^=]*=" "" _runs "${_runs}")
if(NOT _runs MATCHES "^(native|emulator)$")
  cx_skip("${TARGET} built, but its tests cannot run here: ${_runs}")
endif()

# Under wine: a prefix of this test's own (made once, kept), and one
# wineserver kept up for the whole run, started and stopped here. (Left to
# itself, the server quits 3 s after its last client, and a program starting
# then may fail: "wine client error:0: recvmsg: Connection reset by peer".)
file(STRINGS "${_bin}/CMakeCache.txt" _wine REGEX "^WPOOL_WINE:")
string(REGEX REPLACE "^[^=]*=" "" _wine "${_wine}")
set(_wineserver "")
if(_wine AND _runs STREQUAL "emulator")
  get_filename_component(_wine_dir "${_wine}" DIRECTORY)
  find_program(_found NAMES wineserver64 wineserver HINTS "${_wine_dir}" NO_CACHE)
  if(NOT _found)
    message(FATAL_ERROR "cross test failed (${TARGET}): no wineserver beside ${_wine}")
  endif()
  set(_wineserver "${_found}")
  set(ENV{WINEPREFIX} "${WORK_DIR}/wineprefix")
  set(ENV{WINEDEBUG} -all)
  file(MAKE_DIRECTORY "$ENV{WINEPREFIX}")
  # Files, not pipes, for what outlives the command (the server).
  execute_process(COMMAND "${_wineserver}" -p OUTPUT_FILE "${WORK_DIR}/wineserver.log"
                  ERROR_FILE "${WORK_DIR}/wineserver.log")
  execute_process(COMMAND "${_wine}" wineboot -i RESULT_VARIABLE _rc
                  OUTPUT_FILE "${WORK_DIR}/wineboot.log" ERROR_FILE "${WORK_DIR}/wineboot.log")
  message(STATUS "wine: WINEPREFIX=$ENV{WINEPREFIX}, ${_wineserver} -p; wineboot: ${_rc}")
endif()
string(JOIN " " _shown "${CMAKE_CTEST_COMMAND}" --test-dir "${_bin}" -L plain -j ${JOBS}
       --output-on-failure --no-tests=error)
message(STATUS "$ ${_shown}")
execute_process(COMMAND "${CMAKE_CTEST_COMMAND}" --test-dir "${_bin}" -L plain -j ${JOBS}
                        --output-on-failure --no-tests=error RESULT_VARIABLE _rc)
if(_wineserver)
  execute_process(COMMAND "${_wineserver}" -k OUTPUT_QUIET ERROR_QUIET)
endif()
if(NOT _rc STREQUAL "0")
  message(FATAL_ERROR "cross test failed (${TARGET}): its plain suite failed (${_rc}): ${_shown}")
endif()
message(STATUS "${TARGET}: built, and its plain suite passed (${_runs})")
