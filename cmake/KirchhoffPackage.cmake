# `make install` (cmake --install) and the Debian package (cpack -G DEB).
#
# Layout under the prefix (GNUInstallDirs): bin/kirchhoff, share/kirchhoff/web
# (the dashboard, when web/dist has been built: the daemon looks for it at
# <binary>/../share/kirchhoff/web), share/kirchhoff/examples,
# share/doc/kirchhoff, lib/systemd/system/kirchhoff.service. The configuration
# goes to KIRCHHOFF_SYSCONFDIR/kirchhoff (/etc by default, also for a /usr/local
# prefix: the service's ConfigurationDirectory= is always /etc/kirchhoff).
include(GNUInstallDirs)

set(KIRCHHOFF_SYSCONFDIR "/etc" CACHE PATH "Where the configuration directory kirchhoff/ is installed")

install(TARGETS kirchhoff RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/web/dist/ DESTINATION ${CMAKE_INSTALL_DATADIR}/kirchhoff/web
        OPTIONAL)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DATADIR}/kirchhoff/examples)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/install.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The default configuration: the demo house under a header that says how to
# replace it. A conffile in the package, so an upgrade keeps the owner's edits.
file(READ ${PROJECT_SOURCE_DIR}/packaging/kirchhoff.yaml.head config_head)
file(READ ${PROJECT_SOURCE_DIR}/examples/demo.yaml config_body)
file(WRITE ${PROJECT_BINARY_DIR}/packaging/kirchhoff.yaml "${config_head}${config_body}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${PROJECT_SOURCE_DIR}/packaging/kirchhoff.yaml.head ${PROJECT_SOURCE_DIR}/examples/demo.yaml)
# `make install` over an existing configuration keeps it, as dpkg does.
install(CODE "
  if(EXISTS \"\$ENV{DESTDIR}${KIRCHHOFF_SYSCONFDIR}/kirchhoff/kirchhoff.yaml\")
    message(STATUS \"Keeping: \$ENV{DESTDIR}${KIRCHHOFF_SYSCONFDIR}/kirchhoff/kirchhoff.yaml\")
  else()
    file(INSTALL DESTINATION \"${KIRCHHOFF_SYSCONFDIR}/kirchhoff\" TYPE FILE
         FILES \"${PROJECT_BINARY_DIR}/packaging/kirchhoff.yaml\")
  endif()
")

# The systemd unit names the binary by its installed path, which is known only
# at install time (cpack installs under /usr whatever the build's prefix), so
# it is written then.
install(CODE "
  set(KIRCHHOFF_BINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  set(KIRCHHOFF_DOCDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}\")
  configure_file(${PROJECT_SOURCE_DIR}/packaging/kirchhoff.service.in
                 ${PROJECT_BINARY_DIR}/packaging/unit/kirchhoff.service @ONLY)
")
install(FILES ${PROJECT_BINARY_DIR}/packaging/unit/kirchhoff.service
        DESTINATION lib/systemd/system)

set(CPACK_PACKAGE_NAME kirchhoff)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Kirchhoff")
set(CPACK_PACKAGE_CONTACT "Kirchhoff developers <kirchhoff@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "home energy management: monitor and controller")
set(CPACK_PACKAGE_DESCRIPTION
    "Kirchhoff measures every circuit of an installation, keeps the history, shows it live on a
web dashboard and steers EV chargers, batteries, heat pumps, relays and PV inverters so that
the main fuse never trips and PV energy is used at home. Runs as the systemd service
kirchhoff.service with its data in /var/lib/kirchhoff.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The libraries' packages come from dpkg-shlibdeps; adduser for postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_GENERATOR DEB)
include(CPack)
