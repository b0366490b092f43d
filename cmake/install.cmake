# `cmake --install build [--prefix P]` and `cpack -G DEB` (README "Install"): the binary,
# the man page and the completions of bash, zsh and fish, each where its tool looks for it
# (bash-completion's and zsh's and fish's vendor directories under the prefix), the shipped
# traces and the examples.
include(GNUInstallDirs)
install(TARGETS detour RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${CMAKE_SOURCE_DIR}/man/detour.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_SOURCE_DIR}/completions/detour.bash
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions RENAME detour)
install(FILES ${CMAKE_SOURCE_DIR}/completions/_detour
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/zsh/vendor-completions)
install(FILES ${CMAKE_SOURCE_DIR}/completions/detour.fish
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/fish/vendor_completions.d)
# The outage traces `detour bench` replays when given none (cli/bench.cc looks in
# <prefix>/share/detour/traces), and the example configs and shell guide as documentation.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/examples/traces/
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/detour/traces)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
        PATTERN traces EXCLUDE)
install(FILES ${CMAKE_SOURCE_DIR}/docs/shell-scripts.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The .deb: `cpack -G DEB` in the build directory -> detour_<version>_<arch>.deb. Its
# Depends come from dpkg-shlibdeps (package dpkg-dev) over the binary, so they are exactly
# the Debian runtime libraries it links (libssl3, libstdc++6, libc6...).
set(CPACK_PACKAGE_NAME detour)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "LLM gateway: retries, fallbacks across providers, cooldowns and real deadlines")
set(CPACK_PACKAGE_CONTACT "detour maintainers <detour@localhost>")
set(CPACK_PACKAGE_INSTALL_DIRECTORY detour)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # the build is RelWithDebInfo; the package ships no debug info
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_GENERATOR DEB)
include(CPack)
