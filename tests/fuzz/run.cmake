# fuzz/api: replays the seed corpus, then fuzzes for SECONDS with JOBS
# processes. Everything the fuzzer writes (the grown corpus, crash-*, timeout-*,
# leak-* reproducers, logs) goes under WORK_DIR, in the build tree; the grown
# corpus is kept from one run to the next.
#
#   cmake -DFUZZER=... -DSEEDS=... -DWORK_DIR=... -DSECONDS=45 -DJOBS=2 -P run.cmake
cmake_minimum_required(VERSION 3.16)

foreach(_var FUZZER SEEDS WORK_DIR SECONDS JOBS)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "script argument -D${_var}=... is missing")
  endif()
endforeach()
if(NOT EXISTS "${FUZZER}")
  message(FATAL_ERROR "fuzz/api: ${FUZZER} does not exist (did fuzz/build run?)")
endif()

set(_artifacts "${WORK_DIR}/artifacts")
file(REMOVE_RECURSE "${_artifacts}")
file(MAKE_DIRECTORY "${_artifacts}" "${WORK_DIR}/corpus")
# Per input: the harness's own watchdog (8 s) reports a hang first, with
# where each thread is; -timeout is the backstop.
set(_common -timeout=30 -rss_limit_mb=2048 -max_len=160 "-artifact_prefix=${_artifacts}/")

function(fz_report what)
  file(GLOB _found "${_artifacts}/*")
  string(REPLACE ";" "\n  " _list "${_found}")
  message(FATAL_ERROR
          "fuzz/api: ${what}. Reproducers:\n  ${_list}\nReplay one with\n  "
          "WPOOL_FUZZ_TRACE=1 ${FUZZER} -runs=20 <file>\n(a run depends on thread timing: repeat "
          "it); minimise it with -minimize_crash=1 -runs=10000; then add it to "
          "tests/fuzz/corpus/ as found-<what>.")
endfunction()

# 1. Every seed, five times: the checked-in reproducers of past bugs must pass.
file(GLOB _seeds "${SEEDS}/*")
list(LENGTH _seeds _n)
message(STATUS "fuzz/api: replaying the ${_n} inputs of ${SEEDS}, 5 runs each")
foreach(_seed IN LISTS _seeds)
  execute_process(COMMAND "${FUZZER}" ${_common} -runs=5 "${_seed}"
                  WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE _rc OUTPUT_VARIABLE _out
                  ERROR_VARIABLE _out)
  if(NOT _rc STREQUAL "0")
    message("${_out}")
    file(COPY "${_seed}" DESTINATION "${_artifacts}")
    fz_report("the seed ${_seed} failed")
  endif()
endforeach()

# 2. Fuzz. Fork mode: JOBS child processes, their new inputs merged into
# WORK_DIR/corpus; the first crash, hang or leak stops it.
message(STATUS "fuzz/api: fuzzing for ${SECONDS} s with ${JOBS} processes")
execute_process(
  COMMAND "${FUZZER}" ${_common} -fork=${JOBS} -ignore_crashes=0 -ignore_timeouts=0
          -ignore_ooms=0 -max_total_time=${SECONDS} -print_final_stats=1 "${WORK_DIR}/corpus"
          "${SEEDS}"
  WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
file(WRITE "${WORK_DIR}/fuzz.log" "${_out}")
string(REGEX MATCHALL "#[0-9]+: cov: [^\n]*" _progress "${_out}")
list(LENGTH _progress _np)
if(_np GREATER 0)
  math(EXPR _last "${_np} - 1")
  list(GET _progress ${_last} _summary)
  message(STATUS "fuzz/api: last progress line: ${_summary}")
endif()
string(LENGTH "${_out}" _len)
if(_len GREATER 20000)
  math(EXPR _from "${_len} - 20000")
  string(SUBSTRING "${_out}" ${_from} -1 _out)
  set(_out "...\n${_out}")
endif()
file(GLOB _found "${_artifacts}/*")
if(NOT _rc STREQUAL "0" OR _found)
  message("${_out}")
  fz_report("the fuzzer found a failure (exit status ${_rc})")
endif()
