# wpool_read_manifest(<c dir>): reads <c dir>/build.txt, how the C core is
# compiled (wpool-sys/build.rs reads it too; the format is described there),
# into WPOOL_C_<KEY> in the caller's scope (WPOOL_C_SOURCES, relative to
# <c dir>; WPOOL_C_DEFINES_GNU, WPOOL_C_WARNINGS_MSVC, ...), and checks that
# every .c file of <c dir>/src is listed and every file listed is there (the
# glob is checked again at build time: a new file makes the build reconfigure).
# Used by the main build and by the fuzzer's (tests/fuzz).
macro(wpool_read_manifest _wm_dir)
  set(_wm_file "${_wm_dir}/build.txt")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_wm_file}")
  set(_wm_keys sources defines defines-gnu flags-msvc warnings-gnu warnings-msvc libs-unix
               libs-windows)
  foreach(_wm_key IN LISTS _wm_keys)
    string(TOUPPER "WPOOL_C_${_wm_key}" _wm_var)
    string(REPLACE "-" "_" _wm_var "${_wm_var}")
    set(${_wm_var} "")
  endforeach()
  file(STRINGS "${_wm_file}" _wm_lines)
  foreach(_wm_line IN LISTS _wm_lines)
    if(_wm_line MATCHES "^[ \t]*(#|$)")
      continue()
    endif()
    if(NOT _wm_line MATCHES "^([a-z-]+):(.*)$" OR NOT CMAKE_MATCH_1 IN_LIST _wm_keys)
      message(FATAL_ERROR "wpool: c/build.txt: not a `key: values` line with a known key "
                          "(${_wm_keys}): '${_wm_line}'")
    endif()
    string(TOUPPER "WPOOL_C_${CMAKE_MATCH_1}" _wm_var)
    string(REPLACE "-" "_" _wm_var "${_wm_var}")
    separate_arguments(_wm_values UNIX_COMMAND "${CMAKE_MATCH_2}")
    list(APPEND ${_wm_var} ${_wm_values})
  endforeach()
  file(GLOB _wm_present RELATIVE "${_wm_dir}" CONFIGURE_DEPENDS "${_wm_dir}/src/*.c")
  set(_wm_unlisted ${_wm_present})
  list(REMOVE_ITEM _wm_unlisted ${WPOOL_C_SOURCES})
  set(_wm_missing ${WPOOL_C_SOURCES})
  list(REMOVE_ITEM _wm_missing ${_wm_present})
  if(_wm_unlisted OR _wm_missing)
    message(FATAL_ERROR "wpool: the `sources:` of c/build.txt and the .c files of c/src differ: "
                        "not listed: '${_wm_unlisted}'; listed but missing: '${_wm_missing}'")
  endif()
endmacro()
