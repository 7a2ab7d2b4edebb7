# The libFuzzer tests, included from tests/CMakeLists.txt (label `fuzz`):
#
#   fuzz/build   configures and builds tests/fuzz/ (a standalone project) with
#                clang in <build>/tests/fuzz/build; fails, naming the Debian
#                packages, when clang or its libFuzzer runtime is missing
#   fuzz/api     runs every seed of tests/fuzz/corpus/ a few times, then fuzzes
#                for WPOOL_FUZZ_SECONDS (default 45) with WPOOL_FUZZ_JOBS
#                processes; fails on any finding (crash, contract violation,
#                hang, leak), naming the reproducer in <build>/tests/fuzz/run
#
# Both are scripts (cmake -P) like the packaging tests. A long run: configure
# with -DWPOOL_FUZZ_SECONDS=3600 and run `ctest -L fuzz`, or run the fuzzer
# directly (the command is at the top of tests/fuzz/fuzz_api.c).

option(WPOOL_FUZZ_TESTS "Register the libFuzzer tests (fuzz/*; need clang and libFuzzer)" ON)
set(WPOOL_FUZZ_SECONDS 45 CACHE STRING "How long the fuzz/api test fuzzes, in seconds")
set(WPOOL_FUZZ_JOBS 2 CACHE STRING "How many fuzzer processes the fuzz/api test runs at once")
if(NOT WPOOL_FUZZ_TESTS OR NOT WPOOL_HOST_TESTS)
  return()
endif()
if(WPOOL_TSAN OR WPOOL_ASAN)
  message(STATUS "wpool: fuzz tests not registered in a WPOOL_TSAN/WPOOL_ASAN build")
  return()
endif()

find_program(WPOOL_CLANG NAMES clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14)
if(NOT WPOOL_CLANG)
  message(STATUS "wpool: clang not found: the fuzz/build test will fail "
                 "(apt-get install clang libclang-rt-dev, or -DWPOOL_FUZZ_TESTS=OFF)")
endif()

set(_fz_generator "${CMAKE_GENERATOR}")
set(_fz_make_program "${CMAKE_MAKE_PROGRAM}")
if(NOT CMAKE_GENERATOR MATCHES "^(Ninja|Unix Makefiles)$")
  set(_fz_generator "Unix Makefiles")
  set(_fz_make_program "")
endif()

set(_fz_dir "${CMAKE_CURRENT_LIST_DIR}")
set(_fz_work "${CMAKE_CURRENT_BINARY_DIR}/fuzz")
math(EXPR _fz_timeout "${WPOOL_FUZZ_SECONDS} + 300")

add_test(NAME fuzz/build
         COMMAND "${CMAKE_COMMAND}" "-DCLANG=${WPOOL_CLANG}" "-DSOURCE_DIR=${_fz_dir}"
                 "-DBINARY_DIR=${_fz_work}/build" "-DGENERATOR=${_fz_generator}"
                 "-DMAKE_PROGRAM=${_fz_make_program}" -P "${_fz_dir}/build.cmake")
set_tests_properties(fuzz/build PROPERTIES LABELS fuzz TIMEOUT 600 PROCESSORS 2
                                           FIXTURES_SETUP wpool_fuzz_built)

add_test(NAME fuzz/api
         COMMAND "${CMAKE_COMMAND}" "-DFUZZER=${_fz_work}/build/fuzz_api"
                 "-DSEEDS=${_fz_dir}/corpus" "-DWORK_DIR=${_fz_work}/run"
                 "-DSECONDS=${WPOOL_FUZZ_SECONDS}" "-DJOBS=${WPOOL_FUZZ_JOBS}"
                 -P "${_fz_dir}/run.cmake")
set_tests_properties(fuzz/api PROPERTIES LABELS fuzz TIMEOUT ${_fz_timeout}
                                         PROCESSORS ${WPOOL_FUZZ_JOBS}
                                         FIXTURES_REQUIRED wpool_fuzz_built)
