# haven_add_test(NAME SOURCES ... [LIBS ...] [LABELS ...])
# One Catch2 binary per component, registered with CTest under its labels (default: unit).
function(haven_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE haven_catch_main Catch2::Catch2 haven_warnings ${ARG_LIBS})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/tests")
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}"
    ENVIRONMENT "HAVEN_SOURCE_DIR=${PROJECT_SOURCE_DIR};HAVEN_BUILD_DIR=${CMAKE_BINARY_DIR}")
endfunction()

