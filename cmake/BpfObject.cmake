# bpf_object(NAME SOURCE [DEPENDS headers...])
#
# Compiles SOURCE with clang -target bpf into NAME.bpf.o (with a depfile, so
# header edits rebuild it), generates NAME.skel.h with `bpftool gen skeleton`
# and exposes it as the INTERFACE target NAME_skel. The object is embedded in
# the skeleton header: nothing reads a .o path at run time. The skeleton is
# named NAME_bpf (struct NAME_bpf, NAME_bpf__open...): a plain `struct xdpdns`
# would clash with the C++ namespace xdpdns.

find_program(BPF_CLANG NAMES clang-14 clang REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

# Kernel UAPI headers on Debian live under the multiarch triplet
# (asm/types.h); clang -target bpf does not search there by itself.
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-multiarch
                OUTPUT_VARIABLE BPF_MULTIARCH OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET)
if(NOT BPF_MULTIARCH)
  set(BPF_MULTIARCH "${CMAKE_SYSTEM_PROCESSOR}-linux-gnu")
endif()

function(bpf_object NAME SOURCE)
  set(src "${CMAKE_CURRENT_SOURCE_DIR}/${SOURCE}")
  set(obj "${CMAKE_CURRENT_BINARY_DIR}/${NAME}.bpf.o")
  set(skel "${CMAKE_CURRENT_BINARY_DIR}/${NAME}.skel.h")
  set(dep "${CMAKE_CURRENT_BINARY_DIR}/${NAME}.bpf.d")

  add_custom_command(
    OUTPUT "${obj}"
    COMMAND ${BPF_CLANG} -target bpf -g -O2 -Wall -Wextra -Werror
            -Wno-unused-parameter
            -D__TARGET_ARCH_x86
            -I${PROJECT_SOURCE_DIR}/include
            -I${CMAKE_CURRENT_SOURCE_DIR}
            -I/usr/include/${BPF_MULTIARCH}
            -MD -MF "${dep}"
            -c "${src}" -o "${obj}"
    DEPFILE "${dep}"
    DEPENDS "${src}"
    COMMENT "BPF ${NAME}.bpf.o"
    VERBATIM)

  add_custom_command(
    OUTPUT "${skel}"
    COMMAND ${BPFTOOL} gen skeleton "${obj}" name ${NAME}_bpf > "${skel}"
    DEPENDS "${obj}"
    COMMENT "BPF skeleton ${NAME}.skel.h"
    VERBATIM)

  add_custom_target(${NAME}_skel_gen ALL DEPENDS "${skel}")
  add_library(${NAME}_skel INTERFACE)
  add_dependencies(${NAME}_skel ${NAME}_skel_gen)
  target_include_directories(${NAME}_skel INTERFACE "${CMAKE_CURRENT_BINARY_DIR}")
  target_link_libraries(${NAME}_skel INTERFACE PkgConfig::LIBBPF)
  set_property(TARGET ${NAME}_skel PROPERTY BPF_OBJECT "${obj}")
endfunction()
