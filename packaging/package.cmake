# The Debian package (cpack -G DEB, see scripts/package.sh): the plugin where
# Debian's Mosquitto keeps its own plugins, ota-sign and mosquitto_ota in /usr/bin, the drop-in
# template and the docs; maintainer scripts that enable the drop-in, put it
# aside on remove, and delete the database only on purge.
configure_file(${PROJECT_SOURCE_DIR}/packaging/mosquitto-ota.conf ${PROJECT_BINARY_DIR}/packaging/mosquitto-ota.conf
               @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/packaging/mosquitto-ota.conf DESTINATION ${CMAKE_INSTALL_DATADIR}/mosquitto-ota)

set(CPACK_PACKAGE_NAME mosquitto-ota)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "mosquitto-ota maintainers <mosquitto-ota@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "OTA upgrade hub for IoT fleets, as a Mosquitto plugin")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # mosquitto-ota_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_STRIP_FILES ON)  # debug info stays in the build
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)    # libsqlite3-0, libssl3, libmosquitto1 ... from the binaries
set(CPACK_DEBIAN_PACKAGE_DEPENDS "mosquitto (>= 2.0)")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${PROJECT_SOURCE_DIR}/packaging/postinst;${PROJECT_SOURCE_DIR}/packaging/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
