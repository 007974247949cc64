# REVIVE_CUDA=AUTO builds the CUDA backend whenever nvcc is found; OFF keeps a CPU-only build that
# needs no toolkit; ON insists on one.
include(CheckLanguage)
set(REVIVE_HAVE_CUDA OFF)
if(NOT REVIVE_CUDA STREQUAL "OFF")
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      # Few architectures keep CI's compile short (every .cu file is compiled once per entry):
      # machine code for sm_80 (A100; also runs on the other Ampere and Ada GPUs, sm_86/89) and
      # sm_90 (H100/H200), plus compute_90 PTX that newer GPUs (Blackwell) compile at load time.
      # Older GPUs need their own entry (a T4 is 75): -DCMAKE_CUDA_ARCHITECTURES=75;80-real;90.
      set(CMAKE_CUDA_ARCHITECTURES 80-real 90)
    endif()
    # The shared CUDA runtime (libcudart.so), found at run time beside cuBLAS and cuDNN (the system's
    # CUDA libraries, or a Python wheel's: tools/gpu_check.sh). cuBLAS and cuDNN do not link it:
    # each carries its own static copy of the runtime, and all of them share the driver's primary
    # context of the device, so streams, pointers and the current device mean the same in each. A
    # static cudart here would work as well; the shared one keeps the binaries small and lets the
    # runtime be updated with the libraries.
    set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
    enable_language(CUDA)
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit REQUIRED)
    find_path(REVIVE_CUDNN_INCLUDE_DIR cudnn.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
    find_library(REVIVE_CUDNN_LIBRARY cudnn HINTS ${CUDAToolkit_LIBRARY_DIR} ${CUDAToolkit_LIBRARY_ROOT}/lib)
    if(NOT REVIVE_CUDNN_INCLUDE_DIR OR NOT REVIVE_CUDNN_LIBRARY)
      message(FATAL_ERROR "nvcc was found but cuDNN 9 was not (cudnn.h, libcudnn): install it, or configure "
                          "with -DREVIVE_CUDA=OFF for a CPU-only build")
    endif()
    set(REVIVE_HAVE_CUDA ON)
  elseif(REVIVE_CUDA STREQUAL "ON")
    message(FATAL_ERROR "REVIVE_CUDA=ON but no CUDA compiler (nvcc) was found")
  endif()
endif()
message(STATUS "revive: CUDA backend ${REVIVE_HAVE_CUDA}")

# Adds the device backend to a target: kernels/cuda and reactivation/**/cuda (nvcc for .cu, the host
# compiler for the .cpp files that only call the CUDA, cuDNN and cuBLAS host APIs) when CUDA is
# built, else kernels/no_cuda and reactivation/**/no_cuda, which define the device-runtime API
# (kernels/device_runtime.h) and reactivation/we/we_cuda.h for a build without one.
function(revive_attach_cuda target)
  if(REVIVE_HAVE_CUDA)
    file(GLOB cuda_srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/kernels/cuda/*.cu ${PROJECT_SOURCE_DIR}/kernels/cuda/*.cpp
                                          ${PROJECT_SOURCE_DIR}/reactivation/cuda/*.cu
                                          ${PROJECT_SOURCE_DIR}/reactivation/cuda/*.cpp
                                          ${PROJECT_SOURCE_DIR}/reactivation/*/cuda/*.cu
                                          ${PROJECT_SOURCE_DIR}/reactivation/*/cuda/*.cpp)
    target_sources(${target} PRIVATE ${cuda_srcs})
    # The reactivation kernels must give the CPU's bits (e.g. reactivation/we/we_math.h): no FMA
    # contraction.
    file(GLOB react_cuda_srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/reactivation/cuda/*.cu
                                                ${PROJECT_SOURCE_DIR}/reactivation/*/cuda/*.cu)
    set_source_files_properties(${react_cuda_srcs} TARGET_DIRECTORY ${target} PROPERTIES COMPILE_OPTIONS -fmad=false)
    set_target_properties(${target} PROPERTIES CUDA_SEPARABLE_COMPILATION OFF)
    # -ffp-contract=off for the host compiler as for every C++ file (CMakeLists.txt).
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr
                                             -Xcompiler=-Wall,-Wextra,-ffp-contract=off>)
    if(REVIVE_WERROR)
      target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-Werror=all-warnings -Xcompiler=-Werror>)
    endif()
    target_include_directories(${target} PRIVATE ${REVIVE_CUDNN_INCLUDE_DIR})
    target_compile_definitions(${target} PUBLIC REVIVE_WITH_CUDA=1)
    # For the message that names a GPU the build has no code for (kernels/cuda/runtime.cpp).
    string(REPLACE ";" "," archs "${CMAKE_CUDA_ARCHITECTURES}")
    set_property(SOURCE ${PROJECT_SOURCE_DIR}/kernels/cuda/runtime.cpp APPEND PROPERTY COMPILE_DEFINITIONS
                 "REVIVE_CUDA_ARCHITECTURES=\"${archs}\"")
    target_link_libraries(${target} PUBLIC CUDA::cudart CUDA::cublas ${REVIVE_CUDNN_LIBRARY})
  else()
    file(GLOB no_cuda_srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/kernels/no_cuda/*.cpp
                                             ${PROJECT_SOURCE_DIR}/reactivation/no_cuda/*.cpp
                                             ${PROJECT_SOURCE_DIR}/reactivation/*/no_cuda/*.cpp)
    target_sources(${target} PRIVATE ${no_cuda_srcs})
  endif()
endfunction()
