# Helpers shared by the packaging test scripts (run with cmake -P).
#
# Every script gets, from tests/packaging/CMakeLists.txt:
#   GENERATOR     generator for the nested builds ("Ninja" or "Unix Makefiles")
#   MAKE_PROGRAM  its build tool (may be empty)
#   C_COMPILER    the C compiler the main build uses
#   WORK_DIR      a directory of its own under the build tree, wiped at start

cmake_minimum_required(VERSION 3.16)

# pk_fail(<message>...): stops the test with a message ctest shows.
# Each argument is a part of the message; lists in it are shown comma-separated.
function(pk_fail)
  set(_msg "")
  math(EXPR _last "${ARGC} - 1")
  foreach(_i RANGE ${_last})
    string(REPLACE ";" ", " _part "${ARGV${_i}}")
    string(APPEND _msg "${_part}")
  endforeach()
  message(FATAL_ERROR "packaging check failed: ${_msg}")
endfunction()

# pk_require(<var>...): every named -D argument must be set.
function(pk_require)
  foreach(_var ${ARGN})
    if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
      message(FATAL_ERROR "script argument -D${_var}=... is missing")
    endif()
  endforeach()
endfunction()

# pk_fresh_dir(<dir>): makes <dir> an empty directory.
function(pk_fresh_dir dir)
  file(REMOVE_RECURSE "${dir}")
  file(MAKE_DIRECTORY "${dir}")
endfunction()

# pk_run(<command>... [WORKING_DIRECTORY <dir>] [OUTPUT_VARIABLE <var>] [QUIET]):
# runs a command, echoing it and (unless QUIET) its output; fails the test,
# showing the output, if it fails.
function(pk_run)
  cmake_parse_arguments(R "QUIET" "WORKING_DIRECTORY;OUTPUT_VARIABLE" "" ${ARGN})
  if(NOT R_WORKING_DIRECTORY)
    set(R_WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  string(JOIN " " _shown ${R_UNPARSED_ARGUMENTS})
  message(STATUS "$ ${_shown}")
  execute_process(COMMAND ${R_UNPARSED_ARGUMENTS} WORKING_DIRECTORY "${R_WORKING_DIRECTORY}"
                  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
  if(NOT "${_out}" STREQUAL "" AND (NOT R_QUIET OR NOT _rc STREQUAL "0"))
    message("${_out}")
  endif()
  if(NOT _rc STREQUAL "0")
    pk_fail("command failed (${_rc}): ${_shown}")
  endif()
  if(R_OUTPUT_VARIABLE)
    string(STRIP "${_out}" _out)
    set(${R_OUTPUT_VARIABLE} "${_out}" PARENT_SCOPE)
  endif()
endfunction()

# pk_skip(<reason>): ends the test as skipped (tests/packaging/CMakeLists.txt
# gives every packaging test a SKIP_REGULAR_EXPRESSION for this line). A macro,
# so that its return() ends the calling script.
macro(pk_skip reason)
  message(STATUS "packaging test skipped: ${reason}")
  return()
endmacro()

# pk_configure(<source> <binary> <arg>... [OUTPUT_VARIABLE <var>]): configures
# a nested CMake project in a fresh <binary> directory with the main build's
# generator and compiler; <var> gets what it printed.
function(pk_configure src bin)
  cmake_parse_arguments(C "" "OUTPUT_VARIABLE" "" ${ARGN})
  file(REMOVE_RECURSE "${bin}")
  set(_args -S "${src}" -B "${bin}" -G "${GENERATOR}" "-DCMAKE_C_COMPILER=${C_COMPILER}"
            -DCMAKE_BUILD_TYPE=Release)
  if(MAKE_PROGRAM)
    list(APPEND _args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
  endif()
  pk_run("${CMAKE_COMMAND}" ${_args} ${C_UNPARSED_ARGUMENTS} OUTPUT_VARIABLE _out)
  if(C_OUTPUT_VARIABLE)
    set(${C_OUTPUT_VARIABLE} "${_out}" PARENT_SCOPE)
  endif()
endfunction()

# pk_build(<binary>): builds a nested project, two jobs at a time.
function(pk_build bin)
  pk_run("${CMAKE_COMMAND}" --build "${bin}" -j 2)
endfunction()

# pk_find_libdir(<prefix> <var>): the library directory of a wpool installed in
# <prefix> (lib, lib64 or lib/<multiarch>): where its CMake package lives.
function(pk_find_libdir prefix var)
  file(GLOB _configs "${prefix}/lib*/cmake/wpool/wpoolConfig.cmake"
       "${prefix}/lib/*/cmake/wpool/wpoolConfig.cmake")
  list(LENGTH _configs _n)
  if(NOT _n EQUAL 1)
    pk_fail("expected exactly one <libdir>/cmake/wpool/wpoolConfig.cmake under ${prefix}, "
            "found ${_n}: ${_configs} (did the packaging/install_* test run?)")
  endif()
  get_filename_component(_dir "${_configs}" DIRECTORY)
  get_filename_component(_dir "${_dir}/../.." ABSOLUTE)
  set(${var} "${_dir}" PARENT_SCOPE)
endfunction()

# pk_needed(<readelf> <file> <var>): the DT_NEEDED entries of an ELF file.
function(pk_needed readelf file var)
  pk_run("${readelf}" -d "${file}" OUTPUT_VARIABLE _dyn QUIET)
  string(REGEX MATCHALL "\\(NEEDED\\)[^\n]*\\[[^]\n]+\\]" _lines "${_dyn}")
  set(_needed "")
  foreach(_line IN LISTS _lines)
    string(REGEX REPLACE ".*\\[([^]]+)\\]" "\\1" _lib "${_line}")
    list(APPEND _needed "${_lib}")
  endforeach()
  set(${var} "${_needed}" PARENT_SCOPE)
endfunction()

# pk_check_linkage(<readelf> <exe> <shared> <soname>): an executable linked
# against the shared wpool needs <soname> (the versioned name, never the bare
# libwpool.so); one linked against the static wpool needs no libwpool at all.
function(pk_check_linkage readelf exe shared soname)
  if(NOT readelf)
    return()
  endif()
  pk_needed("${readelf}" "${exe}" _needed)
  message(STATUS "${exe} needs: ${_needed}")
  set(_wpool_needed "${_needed}")
  list(FILTER _wpool_needed INCLUDE REGEX "^libwpool")
  if(shared)
    if(NOT _wpool_needed STREQUAL "${soname}")
      pk_fail("${exe} should need exactly ${soname} (the SONAME), needs: ${_needed}")
    endif()
  elseif(_wpool_needed)
    pk_fail("${exe} was linked against the static wpool but needs ${_wpool_needed}")
  endif()
endfunction()

# pk_run_consumer(<exe>): runs a consumer program and checks it says ok.
function(pk_run_consumer exe)
  pk_run("${exe}" OUTPUT_VARIABLE _out)
  if(NOT _out MATCHES "wpool consumer \\([^)]+\\): ok")
    pk_fail("${exe} did not report success: ${_out}")
  endif()
endfunction()
