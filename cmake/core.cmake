# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# core.cmake - how one core source file is built twice.
#
# Every kernel file outside platform/vkernel/ is compiled freestanding
# (-ffreestanding -nostdinc) with the same include path and the same
# preprocessor view in both builds.  Only code generation differs:
#
#   host flavour  (vkernel, unit tests, host tools): PIE, red zone allowed
#   pc64 flavour  (kernel.pc64): -fno-pie -mcmodel=kernel -mno-red-zone,
#                 general registers only (no SSE in kernel code)
#
# core_objects(NAME src...) makes NAME_host and NAME_pc64 object libraries
# and records them so the kernels, the tests and the layering checks find
# every core object without a second list.  core_objects_host_only() is
# for freestanding code built into the vkernel only (dev/vkd, dev/vke).

execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
    OUTPUT_VARIABLE DF_CC_INCLUDE OUTPUT_STRIP_TRAILING_WHITESPACE)

set(DF_CORE_INCLUDES
    ${CMAKE_SOURCE_DIR}/vkern/include
    ${CMAKE_SOURCE_DIR}/libc_shim/include
    ${CMAKE_SOURCE_DIR})

# Flags that shape what the preprocessor and the compiler see: identical
# in both flavours (the layering test preprocesses with each and diffs).
set(DF_CORE_COMMON_FLAGS
    -std=gnu11 -ffreestanding -nostdinc -isystem ${DF_CC_INCLUDE}
    -fno-common -fno-strict-aliasing -fno-omit-frame-pointer
    -fno-stack-protector -Wall -Wextra -Wno-unused-parameter
    -Wno-sign-compare -Werror=implicit-function-declaration
    -Werror=incompatible-pointer-types)

set(DF_CORE_HOST_FLAGS -fPIE)
set(DF_CORE_PC64_FLAGS -fno-pie -mcmodel=kernel -mno-red-zone
    -mgeneral-regs-only -fno-asynchronous-unwind-tables)

function(_core_flavour TARGET FLAGS)
  target_include_directories(${TARGET} PRIVATE ${DF_CORE_INCLUDES})
  target_compile_options(${TARGET} PRIVATE ${DF_CORE_COMMON_FLAGS} ${FLAGS})
endfunction()

function(core_objects NAME)
  add_library(${NAME}_host OBJECT ${ARGN})
  _core_flavour(${NAME}_host "${DF_CORE_HOST_FLAGS}")
  add_library(${NAME}_pc64 OBJECT ${ARGN})
  _core_flavour(${NAME}_pc64 "${DF_CORE_PC64_FLAGS}")
  set_property(GLOBAL APPEND PROPERTY DF_CORE_LIBS ${NAME})
  foreach(src ${ARGN})
    get_filename_component(abs ${src} ABSOLUTE)
    set_property(GLOBAL APPEND PROPERTY DF_CORE_SOURCES ${abs})
  endforeach()
endfunction()

function(core_objects_host_only NAME)
  add_library(${NAME}_host OBJECT ${ARGN})
  _core_flavour(${NAME}_host "${DF_CORE_HOST_FLAGS}")
  set_property(GLOBAL APPEND PROPERTY DF_CORE_HOST_ONLY_LIBS ${NAME})
endfunction()

# Generator expressions naming every core object of one flavour.
function(core_all_objects OUTVAR FLAVOUR)
  get_property(libs GLOBAL PROPERTY DF_CORE_LIBS)
  set(objs "")
  foreach(l ${libs})
    list(APPEND objs $<TARGET_OBJECTS:${l}_${FLAVOUR}>)
  endforeach()
  set(${OUTVAR} ${objs} PARENT_SCOPE)
endfunction()
