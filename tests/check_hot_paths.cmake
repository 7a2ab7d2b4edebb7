# plain/hot_paths_inlined: the job's hot paths are compiled into their callers,
# never called out of line.
#
# wpool_submit() pushes into the ring and a worker pops from it with no
# function call between them and the ring: the push and pop carry the
# ticket's branches with constant arguments (a plain submit has no ticket,
# the pool's pops are never the shutdown's), which only inlining folds away.
# gcc at -O2 once called them out of line as they grew (wp_ring_push_job,
# wp_ring_pop.constprop.0, pop_level, submit), and an empty job's handoff
# cost ~10 ns more (benches/README.md); arch.h's WP_ALWAYS_INLINE keeps them
# in. A benchmark measures the cost; this checks the cause on every build: no
# symbol of those functions may exist in the library (nm lists local
# functions too, unless the library is stripped, which is checked).
#
#   cmake -DNM=... -DLIB=... -P check_hot_paths.cmake
foreach(_var NM LIB)
  if(NOT ${_var})
    message(FATAL_ERROR "check_hot_paths: -D${_var}=... is required")
  endif()
endforeach()
execute_process(COMMAND "${NM}" --defined-only "${LIB}" OUTPUT_VARIABLE _nm
                ERROR_VARIABLE _err RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "check_hot_paths: ${NM} ${LIB} failed (${_rc}): ${_err}")
endif()
string(REPLACE "\n" ";" _lines "${_nm}")
set(_seen_local FALSE)
set(_out_of_line "")
foreach(_line IN LISTS _lines)
  if(NOT _line MATCHES "^[0-9a-fA-F]+ ([A-Za-z]) ([^ ]+)$")
    continue() # object headers ("ring.c.o:") and blank lines
  endif()
  set(_type "${CMAKE_MATCH_1}")
  set(_name "${CMAKE_MATCH_2}")
  # Some static function (t) is listed: nm sees local symbols, so the
  # absence of the hot paths' means something.
  if(_type STREQUAL "t")
    set(_seen_local TRUE)
  endif()
  if(_type MATCHES "^[tT]$" AND _name MATCHES
                                "^(wp_ring_push_job|wp_ring_push|wp_ring_pop|pop_level|submit)([.].*)?$")
    list(APPEND _out_of_line "${_name}")
  endif()
endforeach()
if(NOT _seen_local)
  message(FATAL_ERROR "check_hot_paths: ${LIB} lists no local function: stripped?")
endif()
if(_out_of_line)
  message(FATAL_ERROR "check_hot_paths: hot paths compiled out of line in ${LIB}: "
                      "${_out_of_line} (mark them WP_ALWAYS_INLINE: c/src/arch.h)")
endif()
message(STATUS "check_hot_paths: the push, the pop and the submit are inlined in ${LIB}")
