# Writes OUT, a header defining REVIVE_GIT_COMMIT: the commit SOURCE_DIR is checked out at (with
# "-dirty" when tracked files differ from it), or "" outside a git checkout. Run at every build by
# the revive_git_commit target; OUT is rewritten only when the text changes, so nothing recompiles
# unless the commit did.
#   cmake -DSOURCE_DIR=... -DOUT=... -P git_commit.cmake
set(commit "")
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} rev-parse --short=12 HEAD
                  OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
  if(rc EQUAL 0)
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} diff --quiet HEAD -- RESULT_VARIABLE dirty
                    ERROR_QUIET)
    if(NOT dirty EQUAL 0)
      string(APPEND commit "-dirty")
    endif()
  else()
    set(commit "")
  endif()
endif()
file(WRITE ${OUT}.tmp "#define REVIVE_GIT_COMMIT \"${commit}\"\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
