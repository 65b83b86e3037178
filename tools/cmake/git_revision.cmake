# Runs at build time (cmake -P): writes version.hpp with the source tree's current git revision, and
# touches it only when the text changes, so provenance never names a stale revision and an unchanged
# revision rebuilds nothing. Inputs: SOURCE_DIR, INPUT, OUTPUT, VERSION.
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE SYNORM_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE failed)
if(failed OR NOT SYNORM_GIT_REVISION)
  set(SYNORM_GIT_REVISION unknown)
else()
  execute_process(COMMAND git diff --quiet HEAD WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE dirty ERROR_QUIET)
  if(dirty)
    string(APPEND SYNORM_GIT_REVISION "+changes")
  endif()
endif()
set(PROJECT_VERSION ${VERSION})
configure_file(${INPUT} ${OUTPUT}.new @ONLY)
file(COPY_FILE ${OUTPUT}.new ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.new)
