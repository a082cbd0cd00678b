# haven_sdk_add_plugin(NAME SOURCES ... [LIBS ...])
# Builds a haven plugin out of tree: a MODULE library lib<NAME>.so linked to haven::sdk,
# with hidden symbols so that only the entry point is exported. Copy the result into the
# install's lib/haven/plugins, or into a folder named in $HAVEN_PLUGIN_PATH.
function(haven_sdk_add_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE haven::sdk ${ARG_LIBS})
  set_target_properties(${name} PROPERTIES
    PREFIX "lib"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
endfunction()
