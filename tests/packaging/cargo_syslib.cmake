# packaging/cargo_syslib: wpool-sys built with WPOOL_SYS_USE_PKG_CONFIG=1
# links the libwpool installed in PREFIX (shared, found with pkg-config)
# instead of compiling its bundled sources: its tests pass, and its test
# binary needs libwpool.so.X.Y.
#
#   cmake -DWORK_DIR=... -DCARGO=... -DPKG_CONFIG=... -DPREFIX=...
#         -DWPOOL_SOURCE_DIR=... -DVERSION=... [-DREADELF=...] -P cargo_syslib.cmake
include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")
pk_require(WORK_DIR CARGO PREFIX WPOOL_SOURCE_DIR VERSION)

pk_fresh_dir("${WORK_DIR}")
pk_find_libdir("${PREFIX}" _libdir)
set(ENV{PKG_CONFIG_PATH} "${_libdir}/pkgconfig")
set(ENV{LD_LIBRARY_PATH} "${_libdir}")
set(ENV{WPOOL_SYS_USE_PKG_CONFIG} 1)
set(ENV{CARGO_TARGET_DIR} "${WORK_DIR}/target")

pk_run("${CARGO}" test -p wpool-sys --locked WORKING_DIRECTORY "${WPOOL_SOURCE_DIR}")

if(READELF)
  file(GLOB _tests "${WORK_DIR}/target/debug/deps/abi-*")
  list(FILTER _tests EXCLUDE REGEX "\\.d$")
  if(NOT _tests)
    pk_fail("no abi test binary under ${WORK_DIR}/target/debug/deps")
  endif()
  string(REGEX MATCH "^[0-9]+\\.[0-9]+" _sover "${VERSION}")
  foreach(_test IN LISTS _tests)
    pk_run("${READELF}" -d "${_test}" OUTPUT_VARIABLE _dynamic QUIET)
    if(NOT _dynamic MATCHES "NEEDED[^\n]*libwpool\\.so\\.${_sover}")
      pk_fail("${_test} does not need libwpool.so.${_sover}: it did not link the system library")
    endif()
  endforeach()
endif()
