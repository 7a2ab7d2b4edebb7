# packaging/header: wpool.h alone compiles as strict C11 and as C++11/17
# (-Wall -Wextra -Wpedantic -Werror), see header/CMakeLists.txt.
#
#   cmake -DWORK_DIR=... -DGENERATOR=... -DC_COMPILER=... -DWPOOL_SOURCE_DIR=... -P header.cmake
include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")
pk_require(WORK_DIR GENERATOR C_COMPILER WPOOL_SOURCE_DIR)

pk_fresh_dir("${WORK_DIR}")
pk_configure("${CMAKE_CURRENT_LIST_DIR}/header" "${WORK_DIR}/build"
             "-DWPOOL_INCLUDE_DIR=${WPOOL_SOURCE_DIR}/c/include")
pk_build("${WORK_DIR}/build")
