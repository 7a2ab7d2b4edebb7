# Configures, builds and runs the consumer project (consumer/) in a fresh
# directory, getting wpool one of three ways (MODE):
#   subdirectory  add_subdirectory(WPOOL_SOURCE_DIR)
#   fetchcontent  the README's FetchContent example (the cmake block between
#                 <!-- fetchcontent-example --> and <!-- /fetchcontent-example -->)
#                 as written, but for its GIT_REPOSITORY: a local git repository
#                 made here from WPOOL_SOURCE_DIR's files, whose tag is the
#                 README's GIT_TAG (which must be v<VERSION>); a commit after
#                 the tag breaks the build, so only the tag will do
#   find_package  from the wpool installed in PREFIX (CMAKE_PREFIX_PATH)
# SHARED=ON builds/expects the shared library. The consumer checks at
# configure time what it got (see consumer/CMakeLists.txt); this script runs
# its C and C++ programs and, given READELF, checks what they link against.
# The shared programs find libwpool through the RPATH CMake gives them.
#
#   cmake -DWORK_DIR=... -DGENERATOR=... -DC_COMPILER=... -DMODE=...
#         -DWPOOL_SOURCE_DIR=... -DVERSION=... [-DPREFIX=...] [-DGIT=...]
#         [-DSHARED=ON] [-DREADELF=...] -P consumer.cmake
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
  pk_require(GIT)
  # The README's example.
  file(READ "${WPOOL_SOURCE_DIR}/README.md" _readme)
  string(REGEX MATCHALL "<!-- fetchcontent-example" _markers "${_readme}")
  list(LENGTH _markers _n)
  string(FIND "${_readme}" "<!-- fetchcontent-example" _begin)
  string(FIND "${_readme}" "<!-- /fetchcontent-example -->" _end)
  if(NOT _n EQUAL 1 OR _end LESS _begin)
    pk_fail("README.md should hold one block between <!-- fetchcontent-example ... --> "
            "and <!-- /fetchcontent-example -->, found ${_n} opening markers")
  endif()
  math(EXPR _length "${_end} - ${_begin}")
  string(SUBSTRING "${_readme}" ${_begin} ${_length} _block)
  if(NOT _block MATCHES "\n```cmake\n(.*)\n```\n")
    pk_fail("no ```cmake fenced block between README.md's fetchcontent-example markers")
  endif()
  set(_example "${CMAKE_MATCH_1}")
  message(STATUS "README.md's FetchContent example:\n${_example}")
  if(NOT _example MATCHES "GIT_REPOSITORY[ \t\n]+([^ \t\n)]+)")
    pk_fail("the README's FetchContent example has no GIT_REPOSITORY")
  endif()
  set(_url "${CMAKE_MATCH_1}")
  if(NOT _example MATCHES "GIT_TAG[ \t\n]+([^ \t\n)]+)")
    pk_fail("the README's FetchContent example has no GIT_TAG")
  endif()
  set(_tag "${CMAKE_MATCH_1}")
  if(NOT _tag STREQUAL "v${VERSION}")
    pk_fail("the README's FetchContent example fetches ${_tag}, the release is v${VERSION}")
  endif()
  # Its URL is the project's repository, as Cargo.toml names it.
  if(EXISTS "${WPOOL_SOURCE_DIR}/Cargo.toml")
    file(STRINGS "${WPOOL_SOURCE_DIR}/Cargo.toml" _repository REGEX "^repository *= *\"")
    string(REGEX REPLACE "^repository *= *\"([^\"]*)\".*" "\\1" _repository "${_repository}")
    if(NOT _url STREQUAL "${_repository}.git" AND NOT _url STREQUAL _repository)
      pk_fail("the README's FetchContent example clones ${_url}, Cargo.toml's repository is "
              "${_repository}")
    endif()
  endif()

  # A local stand-in for that repository: this tree's files (as `git add -A`
  # would take them, so uncommitted work is tested too; a tree outside git:
  # the files CMake needs), committed and tagged like the release.
  set(_origin "${WORK_DIR}/origin")
  file(MAKE_DIRECTORY "${_origin}")
  if(EXISTS "${WPOOL_SOURCE_DIR}/.git")
    pk_run("${GIT}" -c core.quotePath=false ls-files --cached --others --exclude-standard
           WORKING_DIRECTORY "${WPOOL_SOURCE_DIR}" OUTPUT_VARIABLE _files QUIET)
    string(REPLACE "\n" ";" _files "${_files}")
    foreach(_file IN LISTS _files)
      # (a tracked file deleted in the work tree is left out, as a commit would)
      if(EXISTS "${WPOOL_SOURCE_DIR}/${_file}" OR IS_SYMLINK "${WPOOL_SOURCE_DIR}/${_file}")
        get_filename_component(_dir "${_origin}/${_file}" DIRECTORY)
        file(COPY "${WPOOL_SOURCE_DIR}/${_file}" DESTINATION "${_dir}")
      endif()
    endforeach()
  else()
    foreach(_entry CMakeLists.txt README.md LICENSE c cmake tests benches examples docs)
      if(EXISTS "${WPOOL_SOURCE_DIR}/${_entry}")
        file(COPY "${WPOOL_SOURCE_DIR}/${_entry}" DESTINATION "${_origin}")
      endif()
    endforeach()
  endif()
  # No user or system git configuration: a fixed identity, no signing.
  set(ENV{GIT_CONFIG_NOSYSTEM} 1)
  set(ENV{GIT_CONFIG_GLOBAL} /dev/null)
  set(_git "${GIT}" -c user.name=wpool-packaging-test -c user.email=wpool@invalid
           -c commit.gpgSign=false -c tag.gpgSign=false -c init.defaultBranch=main)
  pk_run(${_git} init -q WORKING_DIRECTORY "${_origin}")
  pk_run(${_git} add -A WORKING_DIRECTORY "${_origin}")
  pk_run(${_git} commit -q -m "wpool ${VERSION}" WORKING_DIRECTORY "${_origin}")
  pk_run(${_git} tag "${_tag}" WORKING_DIRECTORY "${_origin}")
  file(APPEND "${_origin}/CMakeLists.txt"
       "message(FATAL_ERROR \"a commit after ${_tag}: FetchContent must take the tag\")\n")
  pk_run(${_git} commit -q -a -m "after the release" WORKING_DIRECTORY "${_origin}")

  # The example as written, but for the URL (file://, so that GIT_SHALLOW works).
  string(FIND "${_example}" "${_url}" _first)
  string(FIND "${_example}" "${_url}" _last REVERSE)
  if(NOT _first EQUAL _last)
    pk_fail("the README's FetchContent example holds ${_url} more than once")
  endif()
  string(REPLACE "${_url}" "file://${_origin}" _local "${_example}")
  set(_snippet "${WORK_DIR}/readme_fetchcontent.cmake")
  file(WRITE "${_snippet}" "${_local}\n")
  list(APPEND _args "-DWPOOL_FETCH_SNIPPET=${_snippet}")

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
set(_exes wpool_consumer_c wpool_consumer_cxx)
if(MODE STREQUAL "fetchcontent")
  list(APPEND _exes app) # the README example's program
endif()
foreach(_exe IN LISTS _exes)
  pk_check_linkage("${READELF}" "${_bin}/${_exe}" "${SHARED}" "libwpool.so.${_soversion}")
  pk_run_consumer("${_bin}/${_exe}")
endforeach()
