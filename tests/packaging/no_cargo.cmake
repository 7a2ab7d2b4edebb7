# packaging/no_cargo: a C user without Rust. wpool is configured as a
# top-level project with cargo out of reach (PATH holds only the system
# directories; HOME, CARGO_HOME and RUSTUP_HOME are an empty directory, so
# ~/.cargo/bin is not there either), with the default WPOOL_RUST_TESTS (AUTO):
#   - configuring succeeds and prints the one "cargo not found" status line;
#   - ctest lists no Rust test (rust/*, packaging/cargo_syslib) but the C ones;
#   - the library, two C tests and the C benchmark build, and they pass
#     (plain/order, plain/bad_input, bench/smoke: wpool_bench --quick);
#   - with -DWPOOL_RUST_TESTS=ON, configuring fails and says cargo is missing.
# Skipped when cargo sits in a system directory (then it cannot be hidden).
#
#   cmake -DWORK_DIR=... -DGENERATOR=... -DC_COMPILER=... -DWPOOL_SOURCE_DIR=...
#         [-DMAKE_PROGRAM=...] -P no_cargo.cmake
include("${CMAKE_CURRENT_LIST_DIR}/common.cmake")
pk_require(WORK_DIR GENERATOR C_COMPILER WPOOL_SOURCE_DIR)

pk_fresh_dir("${WORK_DIR}")

# The compiler and build tool are given by absolute path, so the system
# directories are all the nested builds need on PATH.
set(_path "")
foreach(_dir /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin)
  if(EXISTS "${_dir}/cargo")
    pk_skip("cargo is installed in ${_dir}, a system directory this test cannot leave out")
  endif()
  if(IS_DIRECTORY "${_dir}")
    list(APPEND _path "${_dir}")
  endif()
endforeach()
string(REPLACE ";" ":" _path "${_path}")
set(_home "${WORK_DIR}/home")
file(MAKE_DIRECTORY "${_home}")
set(ENV{PATH} "${_path}")
foreach(_var HOME CARGO_HOME RUSTUP_HOME)
  set(ENV{${_var}} "${_home}")
endforeach()
# find_program also searches these; none may lead to a toolchain.
foreach(_var CMAKE_PREFIX_PATH CMAKE_PROGRAM_PATH CMAKE_APPBUNDLE_PATH)
  unset(ENV{${_var}})
endforeach()

set(_bin "${WORK_DIR}/build")
pk_configure("${WPOOL_SOURCE_DIR}" "${_bin}" -DWPOOL_SANITIZER_SUITES=OFF
             OUTPUT_VARIABLE _configure)
file(STRINGS "${_bin}/CMakeCache.txt" _cargo REGEX "^WPOOL_CARGO:")
if(NOT _cargo MATCHES "NOTFOUND$")
  pk_fail("cargo was found although PATH and HOME leave it out (${_cargo}): "
          "this test does not hide it well enough")
endif()
# (Counted without the line's text, which may hold a semicolon: a list separator.)
string(REGEX MATCHALL "-- wpool: cargo not found" _lines "${_configure}")
list(LENGTH _lines _n)
string(REGEX MATCH "-- wpool: cargo not found[^\n]*" _line "${_configure}")
if(NOT _n EQUAL 1 OR NOT _line MATCHES "skipped.*rustup")
  pk_fail("configuring without cargo should print one status line saying what is skipped "
          "and to install Rust with rustup; it printed ${_n}: '${_line}'")
endif()

# What ctest would run. (`ctest -N` also complains about the test programs
# not built yet: only the "Test #<n>: <name>" lines count.)
pk_run("${CMAKE_CTEST_COMMAND}" -N WORKING_DIRECTORY "${_bin}" OUTPUT_VARIABLE _listing QUIET)
string(REGEX MATCHALL "Test +#[0-9]+: [^\n]+" _entries "${_listing}")
set(_tests "")
foreach(_entry IN LISTS _entries)
  string(REGEX REPLACE "^Test +#[0-9]+: " "" _name "${_entry}")
  list(APPEND _tests "${_name}")
endforeach()
set(_rust ${_tests})
list(FILTER _rust INCLUDE REGEX "^rust/|^packaging/cargo_")
if(_rust)
  pk_fail("without cargo these tests are still registered: ${_rust}")
endif()
set(_run plain/order plain/bad_input bench/smoke)
foreach(_name IN LISTS _run)
  if(NOT _name IN_LIST _tests)
    pk_fail("${_name} is not registered; ctest -N lists: ${_tests}")
  endif()
endforeach()
list(LENGTH _tests _n)
message(STATUS "${_n} tests registered, none needs cargo")

# Only what the three tests need: the whole suite would take minutes here.
pk_run("${CMAKE_COMMAND}" --build "${_bin}" -j 2 --target wpool test_order_plain
       test_bad_input_plain wpool_bench)
string(REPLACE ";" "|" _regex "${_run}")
pk_run("${CMAKE_CTEST_COMMAND}" --output-on-failure -R "^(${_regex})$"
       WORKING_DIRECTORY "${_bin}" OUTPUT_VARIABLE _ran)
if(NOT _ran MATCHES "100% tests passed, 0 tests failed out of 3")
  pk_fail("expected ctest to run and pass exactly ${_run}")
endif()

# Asking for the Rust tests without cargo is an error, and says why.
set(_bin_on "${WORK_DIR}/build-rust-on")
set(_args -S "${WPOOL_SOURCE_DIR}" -B "${_bin_on}" -G "${GENERATOR}"
          "-DCMAKE_C_COMPILER=${C_COMPILER}" -DWPOOL_RUST_TESTS=ON)
if(MAKE_PROGRAM)
  list(APPEND _args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" ${_args} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out
                ERROR_VARIABLE _out)
string(REGEX REPLACE "[ \n]+" " " _out_flat "${_out}")
if(_rc EQUAL 0 OR NOT _out_flat MATCHES "WPOOL_RUST_TESTS=ON but cargo was not found")
  message("${_out}")
  pk_fail("-DWPOOL_RUST_TESTS=ON without cargo should fail to configure, saying cargo is missing")
endif()
message(STATUS "-DWPOOL_RUST_TESTS=ON without cargo: configuring fails, saying why")
