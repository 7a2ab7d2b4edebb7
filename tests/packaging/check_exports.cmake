# packaging/shared_exports: the installed shared library exports only wpool_*
# symbols, and exactly the functions wpool.h declares WPOOL_API.
#
# `nm -D --defined-only` lists the dynamic symbols the library defines. Each
# must be a function (T) named wpool_* declared WPOOL_API in the installed
# wpool.h, and every such declaration must be exported. The only other entries
# tolerated are the linker's own markers (_init, _fini, _edata, _end,
# __bss_start: older binutils export them from every shared library) and
# absolute (A) symbol-version definitions; any other function or object fails.
#
#   cmake -DNM=... -DPREFIX=... -P check_exports.cmake
include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")
pk_require(NM PREFIX)

pk_find_libdir("${PREFIX}" _libdir)
set(_lib "${_libdir}/libwpool.so")
if(NOT EXISTS "${_lib}")
  pk_fail("${_lib} is not installed")
endif()

# The API: every WPOOL_API function declared in the installed header.
file(READ "${PREFIX}/include/wpool.h" _header)
string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" "" _header "${_header}") # comments
string(REGEX MATCHALL "WPOOL_API[^;(#]*[ *]wpool_[A-Za-z0-9_]+[ \t]*\\(" _decls "${_header}")
set(_api "")
foreach(_decl IN LISTS _decls)
  string(REGEX REPLACE ".*[ *](wpool_[A-Za-z0-9_]+)[ \t]*\\($" "\\1" _name "${_decl}")
  list(APPEND _api ${_name})
endforeach()
list(SORT _api)
list(LENGTH _api _n_api)
if(_n_api LESS 10)
  pk_fail("found only ${_n_api} WPOOL_API declarations in wpool.h: ${_api}")
endif()

pk_run("${NM}" -D --defined-only "${_lib}" OUTPUT_VARIABLE _nm)
string(REPLACE "\n" ";" _lines "${_nm}")
set(_exported "")
set(_bad "")
foreach(_line IN LISTS _lines)
  if(NOT _line MATCHES "^[0-9a-fA-F]* *([A-Za-z]) ([^ @]+)(@.*)?$")
    pk_fail("cannot read this nm line: '${_line}'")
  endif()
  set(_type "${CMAKE_MATCH_1}")
  set(_name "${CMAKE_MATCH_2}")
  if(_name MATCHES "^(_init|_fini|_edata|_end|__bss_start)$" OR _type STREQUAL "A")
    continue()
  endif()
  if(_name MATCHES "^wpool_" AND _type STREQUAL "T")
    list(APPEND _exported ${_name})
  else()
    list(APPEND _bad "${_type} ${_name}")
  endif()
endforeach()
list(SORT _exported)
message(STATUS "exported: ${_exported}")

if(_bad)
  pk_fail("${_lib} exports symbols that are not wpool_* functions: ${_bad}")
endif()
set(_not_declared ${_exported})
list(REMOVE_ITEM _not_declared ${_api})
set(_not_exported ${_api})
list(REMOVE_ITEM _not_exported ${_exported})
if(_not_declared)
  pk_fail("${_lib} exports functions wpool.h does not declare WPOOL_API: ${_not_declared}")
endif()
if(_not_exported)
  pk_fail("${_lib} does not export these WPOOL_API functions: ${_not_exported}")
endif()
message(STATUS "${_lib} exports exactly the ${_n_api} WPOOL_API functions and nothing else")
