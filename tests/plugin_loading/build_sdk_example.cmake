# Installs the SDK from the build tree into a scratch prefix, builds
# sdk/examples/checker-example against that prefix only, then loads the plugin with the
# plugin host (haven_plugin_probe) and probes it once with a file that exists.
#   cmake -DHAVEN_SOURCE_DIR=.. -DHAVEN_BUILD_DIR=.. -DPROBE=.. -DWORK_DIR=.. -P build_sdk_example.cmake
foreach(var HAVEN_SOURCE_DIR HAVEN_BUILD_DIR PROBE WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "build_sdk_example.cmake: -D${var}=... is required")
  endif()
endforeach()

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (exit ${rc}):\n${ARGN}\n--- stdout\n${out}\n--- stderr\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

set(prefix "${WORK_DIR}/prefix")
set(build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${prefix}")
file(MAKE_DIRECTORY "${WORK_DIR}")

run("installing the SDK" ${CMAKE_COMMAND} --install "${HAVEN_BUILD_DIR}" --component sdk --prefix "${prefix}")
foreach(expected include/haven/plugin.hpp include/haven/checker.hpp lib/cmake/haven-sdk/haven-sdkConfig.cmake
                 lib/cmake/haven-sdk/haven-sdkConfigVersion.cmake lib/cmake/haven-sdk/haven-sdkTargets.cmake)
  if(NOT EXISTS "${prefix}/${expected}")
    message(FATAL_ERROR "the SDK install into ${prefix} lacks ${expected}")
  endif()
endforeach()

set(launcher "")
find_program(CCACHE ccache)
if(CCACHE)
  set(launcher "-DCMAKE_CXX_COMPILER_LAUNCHER=${CCACHE}")
endif()
set(compiler "")
if(DEFINED CXX_COMPILER)
  set(compiler "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()
# Only the scratch prefix: the example must not see haven's sources or build tree.
run("configuring the example" ${CMAKE_COMMAND} -S "${HAVEN_SOURCE_DIR}/sdk/examples/checker-example" -B "${build}"
    -G Ninja -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF ${launcher} ${compiler}
    -DCMAKE_CXX_FLAGS=-Werror)
run("building the example" ${CMAKE_COMMAND} --build "${build}")

set(plugin "${build}/libhaven_checker_example.so")
if(NOT EXISTS "${plugin}")
  message(FATAL_ERROR "building the example made no ${plugin}")
endif()
run("loading the example with the plugin host" "${PROBE}" "${plugin}" file "path=${prefix}/include/haven/plugin.hpp")
foreach(expected "name=example.checker.file" "kind=checker" "version=1.0.0" "element=file" "probe=up")
  string(FIND "${last_output}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the example plugin's probe output lacks '${expected}':\n${last_output}")
  endif()
endforeach()
message(STATUS "example plugin built against the installed SDK and loaded:\n${last_output}")
