# Compiles one compile-fail case (cmake -P with COMPILER, FLAGS, CASE and EXPECT set) and passes
# when the compiler fails with exactly one error whose text matches EXPECT: a mistake must give one
# readable message, not that message followed by errors it caused.
separate_arguments(flags UNIX_COMMAND "${FLAGS}")
execute_process(COMMAND ${COMPILER} ${flags} -DHTUNE_COMPILE_FAIL ${CASE}
                RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(result EQUAL 0)
  message(FATAL_ERROR "${CASE} compiled, but it should fail with: ${EXPECT}")
endif()
if(NOT out MATCHES "${EXPECT}")
  message(FATAL_ERROR "${CASE}: no diagnostic matches '${EXPECT}'; the compiler said:\n${out}")
endif()
string(REGEX MATCHALL "(^|\n)[^\n]*: error: " errors "${out}")
list(LENGTH errors count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "${CASE}: ${count} errors, expected exactly one; the compiler said:\n${out}")
endif()
