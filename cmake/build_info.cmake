# Build info for `detour version` (src/cli/version.cc), set on that one file only so a new
# commit recompiles nothing else. Read at configure time: re-run cmake to refresh the
# commit. Outside a git checkout (a source tarball) the commit is "unknown".
find_package(Git QUIET)
set(DETOUR_GIT_COMMIT "unknown")
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${CMAKE_SOURCE_DIR} rev-parse --short=12 HEAD
                  OUTPUT_VARIABLE _commit OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _git_rc ERROR_QUIET)
  if(_git_rc EQUAL 0 AND _commit)
    set(DETOUR_GIT_COMMIT "${_commit}")
  endif()
endif()
set_property(SOURCE ${CMAKE_SOURCE_DIR}/src/cli/version.cc APPEND PROPERTY COMPILE_DEFINITIONS
             DETOUR_VERSION="${PROJECT_VERSION}" DETOUR_GIT_COMMIT="${DETOUR_GIT_COMMIT}"
             DETOUR_BUILD_TYPE="${CMAKE_BUILD_TYPE}")
