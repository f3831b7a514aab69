#pragma once
// What a container's seccomp profile does to unshare(2): refuses it (EPERM).

namespace ota_test {

// From now on unshare() fails with EPERM in this thread, the threads it starts
// and the programs it executes (no_new_privs). False if the filter could not
// be installed. Meant for a child process that is about to exec a broker, or
// that only runs a test.
bool deny_unshare();

}  // namespace ota_test
