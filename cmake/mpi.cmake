# MPI (Open MPI from Debian: openmpi-bin, libopenmpi-dev): Filter Grafting with one network per rank
# (run/mpi/, on MPI's C API). REVIVE_MPI=AUTO builds it when find_package(MPI) finds MPI, ON
# requires it, OFF leaves it out; without MPI, run/no_mpi/ stands in (a clear error when started as
# several ranks). The code lives in the library revive_mpi, which the revive tool
# links, so that the installed revive library does not depend on MPI.
set(REVIVE_MPI AUTO CACHE STRING "Build FG over MPI: AUTO (when MPI is found), ON or OFF")
set_property(CACHE REVIVE_MPI PROPERTY STRINGS AUTO ON OFF)

# The project compiles C++ only: MPI's C API through the CXX component, without the deprecated C++
# bindings (libmpi_cxx).
set(MPI_CXX_SKIP_MPICXX ON)
set(REVIVE_HAVE_MPI OFF)
if(REVIVE_MPI STREQUAL "ON")
  find_package(MPI REQUIRED COMPONENTS CXX)
  set(REVIVE_HAVE_MPI ON)
elseif(REVIVE_MPI STREQUAL "AUTO")
  find_package(MPI QUIET COMPONENTS CXX)
  if(MPI_CXX_FOUND)
    set(REVIVE_HAVE_MPI ON)
  endif()
elseif(NOT REVIVE_MPI STREQUAL "OFF")
  message(FATAL_ERROR "REVIVE_MPI must be AUTO, ON or OFF, got '${REVIVE_MPI}'")
endif()

if(REVIVE_HAVE_MPI)
  file(GLOB REVIVE_MPI_SRCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/run/mpi/*.cpp)
  message(STATUS "revive: FG over MPI (MPI ${MPI_CXX_VERSION}, ${MPIEXEC_EXECUTABLE})")
else()
  file(GLOB REVIVE_MPI_SRCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/run/no_mpi/*.cpp)
  message(STATUS "revive: no MPI (REVIVE_MPI=${REVIVE_MPI})")
endif()
add_library(revive_mpi STATIC ${REVIVE_MPI_SRCS})
target_compile_options(revive_mpi PRIVATE ${REVIVE_WARNINGS})
target_link_libraries(revive_mpi PUBLIC revive)
if(REVIVE_HAVE_MPI)
  target_link_libraries(revive_mpi PRIVATE MPI::MPI_CXX)
  # The tests read them to run mpirun, or to skip the MPI runs, saying why, in a build without MPI.
  target_compile_definitions(revive_mpi PUBLIC REVIVE_HAVE_MPI=1 REVIVE_MPIEXEC="${MPIEXEC_EXECUTABLE}")
endif()
