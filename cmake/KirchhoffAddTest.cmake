# kirchhoff_add_test(NAME KIND SOURCES src... [LIBS lib...] [DATA_DIR dir])
#
# One function for every unit test, fuzz target and benchmark:
#   UNIT  - a GoogleTest executable, registered with ctest.
#   FUZZ  - a libFuzzer target (with KIRCHHOFF_FUZZ) or, in every other build,
#           the same target linked with a replay main that runs its seed corpus
#           (fuzz/corpus/<NAME>/), registered with ctest so regressions surface.
#   BENCH - a benchmark program; compiled in every build but the sanitized one
#           (figures under ASan mean nothing, and CI's time goes elsewhere),
#           run by `make bench`.
function(kirchhoff_add_test NAME KIND)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  if(KIND STREQUAL "UNIT")
    add_executable(${NAME} ${ARG_SOURCES})
    target_link_libraries(${NAME} PRIVATE ${ARG_LIBS} GTest::gmock GTest::gtest_main)
    target_compile_definitions(${NAME} PRIVATE
      KIRCHHOFF_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
      KIRCHHOFF_BINARY_DIR="${PROJECT_BINARY_DIR}")
    add_test(NAME ${NAME} COMMAND ${NAME} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  elseif(KIND STREQUAL "FUZZ")
    add_executable(${NAME} ${ARG_SOURCES})
    target_link_libraries(${NAME} PRIVATE ${ARG_LIBS})
    if(KIRCHHOFF_FUZZ)
      target_link_options(${NAME} PRIVATE -fsanitize=fuzzer)
    else()
      target_sources(${NAME} PRIVATE ${PROJECT_SOURCE_DIR}/fuzz/replay_main.cpp)
      add_test(NAME ${NAME} COMMAND ${NAME} ${PROJECT_SOURCE_DIR}/fuzz/corpus/${NAME})
    endif()
  elseif(KIND STREQUAL "BENCH")
    if(KIRCHHOFF_SANITIZE)
      add_executable(${NAME} EXCLUDE_FROM_ALL ${ARG_SOURCES})
    else()
      add_executable(${NAME} ${ARG_SOURCES})
    endif()
    target_link_libraries(${NAME} PRIVATE ${ARG_LIBS} benchmark::benchmark)
  else()
    message(FATAL_ERROR "kirchhoff_add_test: unknown kind ${KIND}")
  endif()
endfunction()

# kirchhoff_embed_text(TARGET SOURCE HEADER NAMESPACE SYMBOL)
#
# Builds a text file into a target as `inline constexpr char SYMBOL[]` in
# NAMESPACE, in the generated header HEADER (included as "HEADER"), so the
# binary needs no data files at run time. Re-configures when SOURCE changes.
function(kirchhoff_embed_text TARGET SOURCE HEADER NAMESPACE SYMBOL)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${SOURCE})
  file(READ ${SOURCE} text)
  file(RELATIVE_PATH relative ${PROJECT_SOURCE_DIR} ${SOURCE})
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/generated/${HEADER}
    "// Generated from ${relative} by CMake; do not edit.\n#pragma once\n"
    "namespace ${NAMESPACE} {\ninline constexpr char ${SYMBOL}[] = R\"KEMBED(${text})KEMBED\";\n}\n")
  target_include_directories(${TARGET} PUBLIC ${CMAKE_CURRENT_BINARY_DIR}/generated)
endfunction()
