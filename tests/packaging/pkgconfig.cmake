# packaging/pkgconfig_static, packaging/pkgconfig_shared: a plain compiler
# command line builds the consumer (consumer/main.c) against the wpool
# installed in PREFIX using only what `pkg-config wpool` says
# (PKG_CONFIG_PATH=<libdir>/pkgconfig; --static for the static library), then
# runs it (shared: libwpool found through LD_LIBRARY_PATH). Also checks
# --modversion and that the program needs libwpool.so.X.Y (shared) or no
# libwpool at all (static).
#
#   cmake -DWORK_DIR=... -DC_COMPILER=... -DPKG_CONFIG=... -DPREFIX=...
#         -DVERSION=... -DSOURCE=.../main.c [-DSHARED=ON] [-DREADELF=...]
#         -P pkgconfig.cmake
include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")
pk_require(WORK_DIR C_COMPILER PKG_CONFIG PREFIX VERSION SOURCE)

pk_fresh_dir("${WORK_DIR}")
pk_find_libdir("${PREFIX}" _libdir)
set(ENV{PKG_CONFIG_PATH} "${_libdir}/pkgconfig")

pk_run("${PKG_CONFIG}" --modversion wpool OUTPUT_VARIABLE _modversion)
if(NOT _modversion STREQUAL VERSION)
  pk_fail("pkg-config --modversion wpool says '${_modversion}', expected ${VERSION}")
endif()
pk_run("${PKG_CONFIG}" --exists "wpool >= 0.1" "wpool = ${VERSION}")

set(_libs_args --libs wpool)
if(NOT SHARED)
  set(_libs_args --static --libs wpool)
endif()
pk_run("${PKG_CONFIG}" --cflags wpool OUTPUT_VARIABLE _cflags)
pk_run("${PKG_CONFIG}" ${_libs_args} OUTPUT_VARIABLE _libs)
message(STATUS "cflags: ${_cflags}\nlibs: ${_libs}")
separate_arguments(_cflags UNIX_COMMAND "${_cflags}")
separate_arguments(_libs UNIX_COMMAND "${_libs}")

# has_path(<flag> <dir> <tokens> <var>): some <flag><path> token names <dir>
# (compared as real paths: a relocatable .pc gives ${pcfiledir}/../.. forms).
function(has_path flag dir tokens var)
  get_filename_component(_want "${dir}" REALPATH)
  set(_found OFF)
  foreach(_token IN LISTS tokens)
    if(_token MATCHES "^${flag}(.+)$")
      get_filename_component(_got "${CMAKE_MATCH_1}" REALPATH)
      if(_got STREQUAL _want)
        set(_found ON)
      endif()
    endif()
  endforeach()
  set(${var} ${_found} PARENT_SCOPE)
endfunction()
has_path(-I "${PREFIX}/include" "${_cflags}" _ok)
if(NOT _ok)
  pk_fail("pkg-config --cflags wpool (${_cflags}) does not point at ${PREFIX}/include")
endif()
has_path(-L "${_libdir}" "${_libs}" _ok)
if(NOT _ok)
  pk_fail("pkg-config --libs wpool (${_libs}) does not point at ${_libdir}")
endif()
if(NOT "-lwpool" IN_LIST _libs)
  pk_fail("pkg-config --libs wpool (${_libs}) has no -lwpool")
endif()

set(_exe "${WORK_DIR}/consumer")
pk_run("${C_COMPILER}" -std=c11 -Wall -Wextra -Wpedantic -Werror ${_cflags} "${SOURCE}" -o
       "${_exe}" ${_libs})

string(REGEX MATCH "^[0-9]+\\.[0-9]+" _soversion "${VERSION}")
pk_check_linkage("${READELF}" "${_exe}" "${SHARED}" "libwpool.so.${_soversion}")
if(SHARED)
  set(ENV{LD_LIBRARY_PATH} "${_libdir}")
endif()
pk_run_consumer("${_exe}")
