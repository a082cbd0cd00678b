# haven_add_plugin(NAME SOURCES ... [LIBS ...])
# Builds a plugin as a shared library against the SDK only, into the plugin folder.
function(haven_add_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE haven::sdk haven_warnings ${ARG_LIBS})
  set_target_properties(${name} PROPERTIES
    PREFIX "lib"
    LIBRARY_OUTPUT_DIRECTORY "${HAVEN_PLUGIN_OUTPUT_DIR}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  install(TARGETS ${name} LIBRARY DESTINATION "${HAVEN_PLUGIN_INSTALL_DIR}")
endfunction()
