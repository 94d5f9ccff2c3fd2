# typerpc_pc.cmake: write typerpc.pc at install time, run from the install
# script (install(CODE) in the top-level CMakeLists.txt).  It runs then, not
# at configure time, so the file names the prefix actually installed to,
# including `cmake --install BUILD --prefix DIR`.
#
# In:  CMAKE_INSTALL_PREFIX (set by the install script), TYPERPC_PC_IN,
#      TYPERPC_PC_OUT, PROJECT_VERSION, and the GNUInstallDirs values
#      TYPERPC_PC_{LIB,INCLUDE,BIN}DIR_REL (relative or absolute).

# ${prefix}/DIR for a relative DIR, DIR itself for an absolute one.
function(_typerpc_pc_dir out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "\${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

set(TYPERPC_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
_typerpc_pc_dir(TYPERPC_PC_LIBDIR "${TYPERPC_PC_LIBDIR_REL}")
_typerpc_pc_dir(TYPERPC_PC_INCLUDEDIR "${TYPERPC_PC_INCLUDEDIR_REL}")
_typerpc_pc_dir(TYPERPC_PC_BINDIR "${TYPERPC_PC_BINDIR_REL}")
configure_file("${TYPERPC_PC_IN}" "${TYPERPC_PC_OUT}" @ONLY)
