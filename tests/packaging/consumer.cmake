# Configures, builds and runs the consumer project (consumer/) in a fresh
# directory, getting wpool one of three ways (MODE):
#   subdirectory  add_subdirectory(WPOOL_SOURCE_DIR)
#   fetchcontent  FetchContent from a release-like archive of WPOOL_SOURCE_DIR,
#                 made here (URL file://..., with its SHA256)
#   find_package  from the wpool installed in PREFIX (CMAKE_PREFIX_PATH)
# SHARED=ON builds/expects the shared library. The consumer checks at
# configure time what it got (see consumer/CMakeLists.txt); this script runs
# its C and C++ programs and, given READELF, checks what they link against.
# The shared programs find libwpool through the RPATH CMake gives them.
#
#   cmake -DWORK_DIR=... -DGENERATOR=... -DC_COMPILER=... -DMODE=...
#         -DWPOOL_SOURCE_DIR=... -DVERSION=... [-DPREFIX=...] [-DSHARED=ON]
#         [-DREADELF=...] -P consumer.cmake
include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")
pk_require(WORK_DIR GENERATOR C_COMPILER MODE WPOOL_SOURCE_DIR VERSION)

pk_fresh_dir("${WORK_DIR}")
set(_args "-DWPOOL_CONSUMER_MODE=${MODE}" "-DWPOOL_EXPECT_VERSION=${VERSION}")
if(SHARED)
  list(APPEND _args -DBUILD_SHARED_LIBS=ON)
else()
  list(APPEND _args -DBUILD_SHARED_LIBS=OFF)
endif()

# As a subproject wpool must leave the parent's settings alone: the parent
# here sets no build type (this overrides pk_configure's Release), and the
# consumer checks it is still empty after adding wpool.
if(MODE STREQUAL "subdirectory" OR MODE STREQUAL "fetchcontent")
  list(APPEND _args -DCMAKE_BUILD_TYPE=)
endif()

if(MODE STREQUAL "subdirectory")
  list(APPEND _args "-DWPOOL_SOURCE_DIR=${WPOOL_SOURCE_DIR}")

elseif(MODE STREQUAL "fetchcontent")
  # A release-like archive: the tree's files under wpool-<version>/, without
  # .git or any build directory.
  set(_stage "${WORK_DIR}/stage")
  set(_root "${_stage}/wpool-${VERSION}")
  file(MAKE_DIRECTORY "${_root}")
  foreach(_entry CMakeLists.txt README.md LICENSE c cmake tests benches examples docs)
    if(EXISTS "${WPOOL_SOURCE_DIR}/${_entry}")
      file(COPY "${WPOOL_SOURCE_DIR}/${_entry}" DESTINATION "${_root}")
    endif()
  endforeach()
  set(_archive "${WORK_DIR}/wpool-${VERSION}.tar.gz")
  pk_run("${CMAKE_COMMAND}" -E tar czf "${_archive}" --format=gnutar "wpool-${VERSION}"
         WORKING_DIRECTORY "${_stage}")
  file(SHA256 "${_archive}" _hash)
  list(APPEND _args "-DWPOOL_URL=file://${_archive}" "-DWPOOL_URL_HASH=SHA256=${_hash}")

elseif(MODE STREQUAL "find_package")
  pk_require(PREFIX)
  list(APPEND _args "-DCMAKE_PREFIX_PATH=${PREFIX}" "-DWPOOL_EXPECT_PREFIX=${PREFIX}")

else()
  message(FATAL_ERROR "MODE must be subdirectory, fetchcontent or find_package")
endif()

set(_bin "${WORK_DIR}/build")
pk_configure("${CMAKE_CURRENT_LIST_DIR}/consumer" "${_bin}" ${_args})
pk_build("${_bin}")

string(REGEX MATCH "^[0-9]+\\.[0-9]+" _soversion "${VERSION}")
foreach(_exe wpool_consumer_c wpool_consumer_cxx)
  pk_check_linkage("${READELF}" "${_bin}/${_exe}" "${SHARED}" "libwpool.so.${_soversion}")
  pk_run_consumer("${_bin}/${_exe}")
endforeach()
