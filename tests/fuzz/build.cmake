# fuzz/build: configures and builds the fuzzer project (tests/fuzz/) with clang.
#
#   cmake -DCLANG=... -DSOURCE_DIR=... -DBINARY_DIR=... -DGENERATOR=... [-DMAKE_PROGRAM=...]
#         -P build.cmake
cmake_minimum_required(VERSION 3.16)

if(NOT CLANG)
  message(FATAL_ERROR
          "fuzz/build: clang was not found when the build was configured. The fuzzer needs "
          "clang with libFuzzer: on Debian/Ubuntu `apt-get install clang libclang-rt-dev`, then "
          "reconfigure (or configure with -DWPOOL_FUZZ_TESTS=OFF to skip the fuzz tests).")
endif()

set(_args -S "${SOURCE_DIR}" -B "${BINARY_DIR}" -G "${GENERATOR}" "-DCMAKE_C_COMPILER=${CLANG}")
if(MAKE_PROGRAM)
  list(APPEND _args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
foreach(_step configure build)
  if(_step STREQUAL "configure")
    set(_cmd "${CMAKE_COMMAND}" ${_args})
  else()
    set(_cmd "${CMAKE_COMMAND}" --build "${BINARY_DIR}" -j 2)
  endif()
  string(JOIN " " _shown ${_cmd})
  message(STATUS "$ ${_shown}")
  execute_process(COMMAND ${_cmd} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
  if(NOT _rc STREQUAL "0")
    message("${_out}")
    if(_out MATCHES "libFuzzer|WPOOL_HAVE_LIBFUZZER")
      message(FATAL_ERROR "fuzz/build: ${CLANG} has no libFuzzer runtime: on Debian/Ubuntu "
                          "`apt-get install clang libclang-rt-dev`")
    endif()
    message(FATAL_ERROR "fuzz/build: ${_step} failed (${_rc}): ${_shown}")
  endif()
endforeach()
