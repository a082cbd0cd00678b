# Adds every immediate subfolder of the current folder that has a CMakeLists.txt, so that
# each component owns its own list and no shared file has to change when one is added.
macro(haven_add_subdirectories)
  file(GLOB _haven_children LIST_DIRECTORIES true RELATIVE "${CMAKE_CURRENT_SOURCE_DIR}" "${CMAKE_CURRENT_SOURCE_DIR}/*")
  list(SORT _haven_children)
  foreach(_child IN LISTS _haven_children)
    if(IS_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}/${_child}" AND EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/${_child}/CMakeLists.txt")
      add_subdirectory(${_child})
    endif()
  endforeach()
endmacro()
