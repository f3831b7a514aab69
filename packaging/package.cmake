# The Debian packages (cpack -G DEB, see scripts/package.sh), one per install
# component:
# - broker (every install rule that names no component): mosquitto-ota, the
#   plugin where Debian's Mosquitto keeps its own plugins, ota-sign and
#   mosquitto_ota in /usr/bin, the drop-in template and the docs; maintainer
#   scripts that enable the drop-in, put it aside on remove, and delete the
#   database only on purge.
# - agent (agent/CMakeLists.txt): mosquitto-ota-agent, ota-agent with its
#   systemd unit and its configuration (a conffile); maintainer scripts that
#   keep the agent's state until purge (packaging/agent/).
configure_file(${PROJECT_SOURCE_DIR}/packaging/mosquitto-ota.conf ${PROJECT_BINARY_DIR}/packaging/mosquitto-ota.conf
               @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/packaging/mosquitto-ota.conf DESTINATION ${CMAKE_INSTALL_DATADIR}/mosquitto-ota)

set(CPACK_PACKAGE_NAME mosquitto-ota)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL broker)
if(OTA_BUILD_AGENT AND NOT OTA_FUZZ)
  list(APPEND CPACK_COMPONENTS_ALL agent)
endif()
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "mosquitto-ota maintainers <mosquitto-ota@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # <package>_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_STRIP_FILES ON)  # debug info stays in the build
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)    # libsqlite3-0, libssl3, libmosquitto1, libcurl4 ... from the binaries
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_BROKER_PACKAGE_NAME mosquitto-ota)
set(CPACK_COMPONENT_BROKER_DESCRIPTION "OTA upgrade hub for IoT fleets, as a Mosquitto plugin")
set(CPACK_DEBIAN_BROKER_PACKAGE_DEPENDS "mosquitto (>= 2.0)")
set(CPACK_DEBIAN_BROKER_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/packaging/postinst;${PROJECT_SOURCE_DIR}/packaging/postrm")

set(CPACK_DEBIAN_AGENT_PACKAGE_NAME mosquitto-ota-agent)
set(CPACK_COMPONENT_AGENT_DESCRIPTION "Device agent for mosquitto-ota: OTA upgrades over MQTT")
set(CPACK_DEBIAN_AGENT_PACKAGE_CONTROL_EXTRA
    "${PROJECT_BINARY_DIR}/packaging/agent/conffiles;${PROJECT_SOURCE_DIR}/packaging/agent/postinst;\
${PROJECT_SOURCE_DIR}/packaging/agent/prerm;${PROJECT_SOURCE_DIR}/packaging/agent/postrm")
include(CPack)
