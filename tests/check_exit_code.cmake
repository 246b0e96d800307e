# check_exit_code.cmake - runs a command and fails unless it exits with exactly EXPECT.
#
#     cmake -D EXPECT=<code> -D COMMAND=<program|arg|...> -P check_exit_code.cmake
#
# COMMAND is '|'-separated so that it stays one argument of the test command. ctest's own
# WILL_FAIL cannot do this: it only inverts pass and fail, so it would accept any non-zero
# code, the "skipped" code 77 included.

if(NOT DEFINED EXPECT OR NOT DEFINED COMMAND)
    message(FATAL_ERROR "check_exit_code.cmake: -D EXPECT=... and -D COMMAND=... are required")
endif()
string(REPLACE "|" ";" command "${COMMAND}")
execute_process(COMMAND ${command} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT "${rc}" STREQUAL "${EXPECT}")
    message(FATAL_ERROR "expected exit code ${EXPECT}, got '${rc}' from: ${command}\n${out}")
endif()
message(STATUS "exit code ${rc}, as expected")
