# packaging/install_static, packaging/install_shared: configures wpool itself
# as a top-level project (tests, benches and examples off) in a fresh build
# directory, builds it and runs `cmake --install` into a fresh PREFIX, then
# checks that exactly the expected files were installed:
#   include/wpool.h                        (identical to the source header)
#   <libdir>/libwpool.a                    (static)
#   <libdir>/libwpool.so{,.X.Y,.X.Y.Z}     (shared; links checked by
#                                           packaging/shared_soversion)
#   <libdir>/cmake/wpool/wpoolConfig.cmake, wpoolConfigVersion.cmake,
#                       wpoolTargets.cmake, wpoolTargets-release.cmake
#   <libdir>/pkgconfig/wpool.pc
# The find_package, pkg-config and symbol tests use PREFIX afterwards (ctest
# fixtures).
#
#   cmake -DWORK_DIR=... -DGENERATOR=... -DC_COMPILER=... -DWPOOL_SOURCE_DIR=...
#         -DPREFIX=... -DVERSION=... [-DSHARED=ON] -P install.cmake
include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")
pk_require(WORK_DIR GENERATOR C_COMPILER WPOOL_SOURCE_DIR PREFIX VERSION)

pk_fresh_dir("${WORK_DIR}")
file(REMOVE_RECURSE "${PREFIX}")
if(SHARED)
  set(_shared ON)
else()
  set(_shared OFF)
endif()

set(_bin "${WORK_DIR}/build")
pk_configure("${WPOOL_SOURCE_DIR}" "${_bin}" "-DBUILD_SHARED_LIBS=${_shared}"
             "-DCMAKE_INSTALL_PREFIX=${PREFIX}" -DWPOOL_BUILD_TESTS=OFF
             -DWPOOL_BUILD_BENCHES=OFF -DWPOOL_BUILD_EXAMPLES=OFF)
pk_build("${_bin}")
pk_run("${CMAKE_COMMAND}" --install "${_bin}")

# What was installed, relative to PREFIX.
file(GLOB_RECURSE _installed LIST_DIRECTORIES false RELATIVE "${PREFIX}" "${PREFIX}/*")
list(SORT _installed)
string(REPLACE ";" "\n  " _shown "${_installed}")
message(STATUS "installed in ${PREFIX}:\n  ${_shown}")

pk_find_libdir("${PREFIX}" _libdir)
file(RELATIVE_PATH _lib "${PREFIX}" "${_libdir}")
string(REGEX MATCH "^[0-9]+\\.[0-9]+" _soversion "${VERSION}")

set(_expected
    include/wpool.h
    ${_lib}/cmake/wpool/wpoolConfig.cmake
    ${_lib}/cmake/wpool/wpoolConfigVersion.cmake
    ${_lib}/cmake/wpool/wpoolTargets.cmake
    ${_lib}/cmake/wpool/wpoolTargets-release.cmake
    ${_lib}/pkgconfig/wpool.pc)
if(_shared)
  list(APPEND _expected ${_lib}/libwpool.so ${_lib}/libwpool.so.${_soversion}
       ${_lib}/libwpool.so.${VERSION})
else()
  list(APPEND _expected ${_lib}/libwpool.a)
endif()
list(SORT _expected)

set(_missing ${_expected})
list(REMOVE_ITEM _missing ${_installed})
set(_extra ${_installed})
list(REMOVE_ITEM _extra ${_expected})
if(_missing OR _extra)
  pk_fail("unexpected install tree in ${PREFIX}: missing [${_missing}], unexpected [${_extra}]")
endif()

# The install manifest agrees (nothing installed outside PREFIX).
file(STRINGS "${_bin}/install_manifest.txt" _manifest)
foreach(_file IN LISTS _manifest)
  string(FIND "${_file}" "${PREFIX}/" _at)
  if(NOT _at EQUAL 0)
    pk_fail("installed outside the prefix: ${_file}")
  endif()
endforeach()

pk_run("${CMAKE_COMMAND}" -E compare_files "${WPOOL_SOURCE_DIR}/c/include/wpool.h"
       "${PREFIX}/include/wpool.h")
