# One library target per module, always used through its alias fieldline::<name>.
#   fieldline_library(NAME intake_domain SOURCES a.cc b.cc DEPS fieldline::core)
function(fieldline_library)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_library(fieldline_${ARG_NAME} STATIC ${ARG_SOURCES})
  add_library(fieldline::${ARG_NAME} ALIAS fieldline_${ARG_NAME})
  target_include_directories(fieldline_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/proto)
  target_link_libraries(fieldline_${ARG_NAME} PUBLIC ${ARG_DEPS})
  target_compile_options(fieldline_${ARG_NAME} PRIVATE -Wall -Wextra -Wno-unused-parameter)
endfunction()

# A GoogleTest binary registered with ctest, one ctest entry per test case.
#   fieldline_test(NAME intake_domain_test SOURCES t.cc DEPS fieldline::intake_domain [LABELS slow])
function(fieldline_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/proto)
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  gtest_discover_tests(${ARG_NAME} DISCOVERY_TIMEOUT 60
    PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}")
endfunction()
