#include "commands.h"

namespace ota_cli {

const char* usage_text() {
  return R"(mosquitto_ota: run OTA upgrades through the mosquitto_ota plugin's admin API.

Usage: mosquitto_ota [-o OPTIONS_FILE] [OPTIONS] COMMAND [ARGS]

Commands:
  devices PRODUCT [--version-key KEY --version VERSION]
                                 a product's devices (at a version)
  device PRODUCT DEVICE          a device's status, progress and executions
  upgrade create PRODUCT --type TYPE --version VERSION --url URL
          (--file IMAGE | --size N --md5 HEX [--sha256 HEX])
          [--image-signature SIG | --sign-with VENDOR_KEY.pem] [--version-key KEY]
          [--devices D1,D2,...] [--from V1,V2,...] [--max-per-minute N]
          [--abort-percent P --abort-min N] [--dynamic] [--expires 7d] [--timeout 1h]
                                 start an upgrade job (--file computes size, md5
                                 and sha256; --sign-with signs its SHA-256)
  jobs [--product PRODUCT] [--state STATE]
                                 jobs, newest first
  job ID                         a job's parameters and counts
  job watch ID                   a job's progress, live, until it ends
  job cancel ID                  cancel a job
  executions ID [--state STATE]  a job's executions
  execution ID PRODUCT DEVICE    one execution and its history
  signing-key                    the public key that verifies the broker's commands

Options (before the command; --json also after it):
  -h HOST          broker host (localhost)
  -p PORT          broker port (1883, 8883 with TLS)
  -u USERNAME      an admin of plugin_opt_admin_usernames
  -P PASSWORD
  -i CLIENT_ID     (mosquitto_ota-<random>)
  -V VERSION       MQTT version: mqttv5 (5, default) or mqttv311 (311)
  --cafile FILE, --capath DIR, --cert FILE, --key FILE, --insecure
                   TLS, as with mosquitto_ctrl
  -W SECONDS       how long to wait for each answer (10)
  --page-size N    items per request when following pages (100, at most 1000)
  --json           print the broker's answers as JSON (lists: all pages in one array)
  -o FILE          read options from FILE, one "-option value" per line ('#'
                   starts a comment); by default $XDG_CONFIG_HOME/mosquitto_ota
                   or ~/.config/mosquitto_ota. The command line overrides it.
  --help           this text

Exit codes: 0 done, 1 the broker answered an error, 2 usage error,
3 connection or authorisation failed (or no answer in time).
)";
}

}  // namespace ota_cli
