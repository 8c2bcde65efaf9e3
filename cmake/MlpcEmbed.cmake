# mlpc_embed(OUTPUT <inc> NAME <array> INPUTS <file>... [TYPE <struct>] [COMMENT <text>])
# Generates <inc>, a C++ array `static const <struct> <array>[]` of
# {stem, text} pairs for the text files, ending with {nullptr, nullptr}, so
# files the compiler writes or reads at run time are part of the binary.
# Include it after declaring the struct (default `EmbeddedFile`): two
# `const char *` members, the file's stem and its text.
function(mlpc_embed)
  cmake_parse_arguments(E "" "OUTPUT;NAME;TYPE;COMMENT" "INPUTS" ${ARGN})
  if(NOT E_TYPE)
    set(E_TYPE EmbeddedFile)
  endif()
  # Embed.cmake takes its inputs joined by "|" (a ";" list would split the command).
  string(REPLACE ";" "|" inputs "${E_INPUTS}")
  add_custom_command(
    OUTPUT ${E_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${E_OUTPUT} -DNAME=${E_NAME} -DTYPE=${E_TYPE}
            -DINPUTS=${inputs} -P ${PROJECT_SOURCE_DIR}/cmake/Embed.cmake
    DEPENDS ${E_INPUTS} ${PROJECT_SOURCE_DIR}/cmake/Embed.cmake
    COMMENT "${E_COMMENT}"
    VERBATIM)
endfunction()
