# CMake toolchain file for Unishyper images:
#
#   cmake -DCMAKE_TOOLCHAIN_FILE=/path/to/toolchain/unishyper.cmake SOURCE
#
# The compiler is unishyper-gcc, the binary tools the toolchain's names for
# the host's binutils, and find_* look only into the sysroot (headers and
# libraries of the host are never found, as with unishyper-gcc itself).
# An executable target is the bootable image. Since an image runs on the
# host as a command, this is not a cross build for CMake (no
# CMAKE_SYSTEM_NAME): try_run(), check_c_source_runs() and tests run the
# images as they would native programs. Libraries are static: there are
# no shared ones.

get_filename_component(UNISHYPER_BIN "${CMAKE_CURRENT_LIST_DIR}/bin" ABSOLUTE)
set(CMAKE_C_COMPILER "${UNISHYPER_BIN}/unishyper-gcc")
set(CMAKE_AR "${UNISHYPER_BIN}/unishyper-ar" CACHE FILEPATH "")
set(CMAKE_RANLIB "${UNISHYPER_BIN}/unishyper-ranlib" CACHE FILEPATH "")
set(CMAKE_STRIP "${UNISHYPER_BIN}/unishyper-strip" CACHE FILEPATH "")
set(CMAKE_NM "${UNISHYPER_BIN}/unishyper-nm" CACHE FILEPATH "")
set(CMAKE_OBJCOPY "${UNISHYPER_BIN}/unishyper-objcopy" CACHE FILEPATH "")

get_filename_component(UNISHYPER_SYSROOT "${CMAKE_CURRENT_LIST_DIR}/../build/sysroot" ABSOLUTE)
set(CMAKE_FIND_ROOT_PATH "${UNISHYPER_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(BUILD_SHARED_LIBS OFF CACHE BOOL "Unishyper images link static libraries only")
set_property(GLOBAL PROPERTY TARGET_SUPPORTS_SHARED_LIBS FALSE)
