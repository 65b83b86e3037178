# yaml-cpp for a cross build. Defines the target yaml-cpp, as yaml-cpp's own package does.
# Debian's libyaml-cpp-dev cannot be installed for two architectures at once (it is not Multi-Arch:
# same), so the arm64 one would remove the host's. Its runtime library libyaml-cpp0.7 can
# (tools/setup installs libyaml-cpp0.7:arm64), and its headers are the same on every architecture:
# the cross build compiles against the host's headers and links the target's library, of the same
# Debian version (apt keeps the two architectures of one package at one version).
find_package(yaml-cpp QUIET)
if(NOT yaml-cpp_FOUND)
  find_path(SYNORM_YAML_CPP_INCLUDE_DIR NAMES yaml-cpp/yaml.h)
  find_library(SYNORM_YAML_CPP_LIBRARY NAMES yaml-cpp libyaml-cpp.so.0.8 libyaml-cpp.so.0.7)
  if(NOT SYNORM_YAML_CPP_INCLUDE_DIR OR NOT SYNORM_YAML_CPP_LIBRARY)
    message(FATAL_ERROR "The ${CMAKE_SYSTEM_PROCESSOR} build needs yaml-cpp's headers (Debian: libyaml-cpp-dev) and "
                        "its library for ${CMAKE_LIBRARY_ARCHITECTURE} (Debian: libyaml-cpp0.7:arm64; tools/setup)")
  endif()
  add_library(yaml-cpp SHARED IMPORTED)
  set_target_properties(yaml-cpp PROPERTIES IMPORTED_LOCATION "${SYNORM_YAML_CPP_LIBRARY}"
                        INTERFACE_INCLUDE_DIRECTORIES "${SYNORM_YAML_CPP_INCLUDE_DIR}")
  message(STATUS "yaml-cpp: ${SYNORM_YAML_CPP_LIBRARY} with the headers in ${SYNORM_YAML_CPP_INCLUDE_DIR}")
endif()
