# packaging/shared_soversion: the installed shared library is versioned:
#   libwpool.so -> libwpool.so.X.Y -> libwpool.so.X.Y.Z (a regular file)
# and its SONAME (readelf -d) is libwpool.so.X.Y, X.Y.Z being VERSION.
#
#   cmake -DREADELF=... -DPREFIX=... -DVERSION=... -P check_soversion.cmake
include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")
pk_require(READELF PREFIX VERSION)

pk_find_libdir("${PREFIX}" _libdir)
string(REGEX MATCH "^[0-9]+\\.[0-9]+" _soversion "${VERSION}")
set(_dev "libwpool.so")
set(_soname "libwpool.so.${_soversion}")
set(_real "libwpool.so.${VERSION}")

foreach(_pair "${_dev}>${_soname}" "${_soname}>${_real}")
  string(REPLACE ">" ";" _pair "${_pair}")
  list(GET _pair 0 _link)
  list(GET _pair 1 _target)
  if(NOT IS_SYMLINK "${_libdir}/${_link}")
    pk_fail("${_libdir}/${_link} should be a symbolic link to ${_target}")
  endif()
  file(READ_SYMLINK "${_libdir}/${_link}" _points_to)
  if(NOT _points_to STREQUAL _target)
    pk_fail("${_libdir}/${_link} points to '${_points_to}', expected ${_target}")
  endif()
endforeach()
if(IS_SYMLINK "${_libdir}/${_real}" OR NOT EXISTS "${_libdir}/${_real}")
  pk_fail("${_libdir}/${_real} should be the library itself (a regular file)")
endif()

pk_run("${READELF}" -d "${_libdir}/${_real}" OUTPUT_VARIABLE _dyn QUIET)
if(NOT _dyn MATCHES "\\(SONAME\\)[^\n]*\\[([^]\n]+)\\]")
  pk_fail("${_real} has no SONAME")
endif()
if(NOT CMAKE_MATCH_1 STREQUAL _soname)
  pk_fail("${_real}'s SONAME is ${CMAKE_MATCH_1}, expected ${_soname}")
endif()
message(STATUS "${_dev} -> ${_soname} -> ${_real}, SONAME ${_soname}")
