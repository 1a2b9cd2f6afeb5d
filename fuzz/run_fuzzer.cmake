# Runs one fuzzer for SECONDS over the kept corpus (read only) plus FOUND (new inputs), and fails
# the test on any crash, sanitizer report or timeout the fuzzer reports.
file(REMOVE_RECURSE ${FOUND})
file(MAKE_DIRECTORY ${FOUND})
get_filename_component(artifacts ${FOUND} DIRECTORY)
execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048
          -print_final_stats=1 -artifact_prefix=${artifacts}/ ${FOUND} ${CORPUS}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "the fuzzer found an input that breaks it (exit ${result}); "
                      "the input is saved under ${artifacts}/ (crash-*, timeout-*, oom-*)")
endif()
