# `cmake --install`: the libraries (revive::revive, and revive::core below it), every header under
# include/revive/ in its folder, and a CMake package, so that another project can
#   find_package(revive) and target_link_libraries(app PRIVATE revive::revive)
# with or without CUDA (examples/consumer/ is such a project; .ci/run builds it against an install).
include(CMakePackageConfigHelpers)

set_target_properties(revive_core PROPERTIES EXPORT_NAME core)
install(TARGETS revive_core revive EXPORT reviveTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
foreach(dir core kernels nn optim data reactivation run)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/revive
          FILES_MATCHING PATTERN "*.h")
endforeach()

set(REVIVE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/revive)
install(EXPORT reviveTargets NAMESPACE revive:: DESTINATION ${REVIVE_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/reviveConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/reviveConfig.cmake INSTALL_DESTINATION ${REVIVE_CMAKE_DIR})
# 0.x: a minor version may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/reviveConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/reviveConfig.cmake ${PROJECT_BINARY_DIR}/reviveConfigVersion.cmake
        DESTINATION ${REVIVE_CMAKE_DIR})
