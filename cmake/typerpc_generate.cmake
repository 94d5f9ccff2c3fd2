# typerpc_generate(): compile .proto files to C as a build step of a target.
#
#   typerpc_generate(TARGET tgt PROTOS a.proto [b.proto ...]
#                    [IMPORT_DIRS dir ...] [OUT_DIR dir] [NO_LINK])
#
# For every file in PROTOS the typerpc compiler writes NAME.pb-c.[ch] (the
# messages, as protoc-c would) and, when the file declares a service,
# NAME.trpc.[ch] (the typed stubs and skeletons).  The .c files are added to
# tgt's sources, OUT_DIR to its include path (PUBLIC, so a library of
# generated code passes it on), and tgt is linked (PUBLIC) against
# typerpc::runtime, which brings libprotobuf-c.  NO_LINK leaves the linking
# to you, for instance to pick typerpc::runtime_static instead.
#
# IMPORT_DIRS are the -I roots, searched in order; the default is the
# directory of each .proto.  Every file in PROTOS must lie under one of them,
# and its path relative to that root names its outputs: with IMPORT_DIRS
# proto and PROTOS proto/shop/cart.proto the outputs are
# OUT_DIR/shop/cart.pb-c.[ch], included as "shop/cart.pb-c.h".
# OUT_DIR defaults to ${CMAKE_CURRENT_BINARY_DIR}/typerpc_gen/tgt.
#
# The compiler runs again when a listed .proto, any .proto it imports
# (read from the compiler's --dependency_out file through DEPFILE), or the
# compiler itself changes.  On a CMake too old for DEPFILE with the chosen
# generator, every .proto under IMPORT_DIRS is a dependency instead.
#
# Relative paths in PROTOS, IMPORT_DIRS and OUT_DIR are taken from the
# current source directory (OUT_DIR: the current binary directory).
# The compiler is the imported executable typerpc::typerpc (in the typerpc
# build itself, an alias of the `typerpc` target).

include_guard(GLOBAL)

# Policies are recorded when a function is defined, so these hold inside
# typerpc_generate() whatever the calling project sets.
cmake_policy(PUSH)
if(POLICY CMP0116)
  cmake_policy(SET CMP0116 NEW)   # DEPFILE paths are relative to the binary dir
endif()

function(typerpc_generate)
  cmake_parse_arguments(PARSE_ARGV 0 arg "NO_LINK" "TARGET;OUT_DIR" "PROTOS;IMPORT_DIRS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "typerpc_generate: unexpected arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_TARGET)
    message(FATAL_ERROR "typerpc_generate: TARGET is required")
  endif()
  if(NOT TARGET ${arg_TARGET})
    message(FATAL_ERROR "typerpc_generate: '${arg_TARGET}' is not a target")
  endif()
  if(NOT arg_PROTOS)
    message(FATAL_ERROR "typerpc_generate: PROTOS is required")
  endif()
  if(NOT TARGET typerpc::typerpc)
    message(FATAL_ERROR "typerpc_generate: no typerpc::typerpc target; "
                        "call find_package(typerpc CONFIG REQUIRED) first")
  endif()

  set(out_dir "${arg_OUT_DIR}")
  if(NOT out_dir)
    set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/typerpc_gen/${arg_TARGET}")
  endif()
  get_filename_component(out_dir "${out_dir}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")

  # Absolute import roots, as the compiler gets them.
  set(roots "")
  foreach(dir IN LISTS arg_IMPORT_DIRS)
    get_filename_component(dir "${dir}" ABSOLUTE)
    list(APPEND roots "${dir}")
  endforeach()
  if(NOT roots)
    foreach(proto IN LISTS arg_PROTOS)
      get_filename_component(proto "${proto}" ABSOLUTE)
      get_filename_component(dir "${proto}" DIRECTORY)
      list(APPEND roots "${dir}")
    endforeach()
    list(REMOVE_DUPLICATES roots)
  endif()
  set(include_flags "")
  foreach(dir IN LISTS roots)
    list(APPEND include_flags "-I${dir}")
  endforeach()

  # DEPFILE works with Ninja always, with Makefiles from CMake 3.20 and
  # with every generator from 3.21.
  set(use_depfile FALSE)
  if(CMAKE_GENERATOR MATCHES "Ninja" OR CMAKE_VERSION VERSION_GREATER_EQUAL 3.21
     OR (CMAKE_GENERATOR MATCHES "Makefiles" AND CMAKE_VERSION VERSION_GREATER_EQUAL 3.20))
    set(use_depfile TRUE)
  endif()
  set(all_protos "")
  if(NOT use_depfile)
    foreach(dir IN LISTS roots)
      file(GLOB_RECURSE found CONFIGURE_DEPENDS "${dir}/*.proto")
      list(APPEND all_protos ${found})
    endforeach()
  endif()

  foreach(proto IN LISTS arg_PROTOS)
    get_filename_component(proto "${proto}" ABSOLUTE)
    # The virtual name: the path under the first root that holds the file.
    set(name "")
    foreach(dir IN LISTS roots)
      string(LENGTH "${dir}/" n)
      string(SUBSTRING "${proto}" 0 ${n} head)
      if(head STREQUAL "${dir}/")
        string(SUBSTRING "${proto}" ${n} -1 name)
        break()
      endif()
    endforeach()
    if(NOT name)
      message(FATAL_ERROR "typerpc_generate: ${proto} is not under any of IMPORT_DIRS (${roots})")
    endif()
    string(REGEX REPLACE "\\.proto$" "" base "${name}")
    get_filename_component(sub "${out_dir}/${base}" DIRECTORY)
    file(MAKE_DIRECTORY "${sub}")

    # The compiler writes NAME.trpc.[ch] only for a file with a service, so
    # look for one (comments stripped) to know the outputs; editing the file
    # reruns this at the next build.
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${proto}")
    file(READ "${proto}" text)
    string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" " " text "${text}")
    string(REGEX REPLACE "//[^\n]*" "" text "${text}")
    set(outputs "${out_dir}/${base}.pb-c.h" "${out_dir}/${base}.pb-c.c")
    set(sources "${out_dir}/${base}.pb-c.c")
    if(text MATCHES "(^|[;{}\n \t])service[ \t\r\n]+[A-Za-z_][A-Za-z0-9_]*[ \t\r\n]*{")
      list(APPEND outputs "${out_dir}/${base}.trpc.h" "${out_dir}/${base}.trpc.c")
      list(APPEND sources "${out_dir}/${base}.trpc.c")
    endif()

    string(MAKE_C_IDENTIFIER "${base}" id)
    set(depfile "${out_dir}/${id}.proto.d")
    set(depends typerpc::typerpc "${proto}")
    set(depfile_args "")
    if(use_depfile)
      set(depfile_args DEPFILE "${depfile}")
    else()
      list(APPEND depends ${all_protos})
    endif()
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND typerpc::typerpc ${include_flags} "--c_out=${out_dir}"
              "--dependency_out=${depfile}" "${proto}"
      DEPENDS ${depends}
      ${depfile_args}
      COMMENT "typerpc: generating C code from ${name}"
      VERBATIM)
    target_sources(${arg_TARGET} PRIVATE ${sources})
  endforeach()

  target_include_directories(${arg_TARGET} PUBLIC "$<BUILD_INTERFACE:${out_dir}>")
  if(NOT arg_NO_LINK)
    target_link_libraries(${arg_TARGET} PUBLIC typerpc::runtime)
  endif()
endfunction()

cmake_policy(POP)
