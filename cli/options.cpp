#include "options.h"

#include <sys/stat.h>

#include <fstream>
#include <map>

#include "args.h"
#include "errors.h"

namespace ota_cli {
namespace {

std::string trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  size_t end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

// The default options file, as mosquitto_ctrl finds its own; empty when there is none.
std::string default_options_file(const char* home, const char* xdg) {
  if (xdg && *xdg) {
    std::string path = std::string(xdg) + "/mosquitto_ota";
    if (file_exists(path)) return path;
  }
  if (home && *home) {
    std::string path = std::string(home) + "/.config/mosquitto_ota";
    if (file_exists(path)) return path;
  }
  return "";
}

using Setter = void (*)(GlobalOptions&, const std::string&);

// The options that take a value, and what each sets.
const std::map<std::string, Setter>& valued_options() {
  static const std::map<std::string, Setter> options = {
      {"-h", [](GlobalOptions& o, const std::string& v) { o.connection.host = v; }},
      {"-p", [](GlobalOptions& o, const std::string& v) { o.connection.port = int(parse_int("-p", v, 1, 65535)); }},
      {"-u", [](GlobalOptions& o, const std::string& v) { o.connection.username = v; }},
      {"-P",
       [](GlobalOptions& o, const std::string& v) {
         o.connection.password = v;
         o.connection.has_password = true;
       }},
      {"-i", [](GlobalOptions& o, const std::string& v) { o.connection.client_id = v; }},
      {"--cafile", [](GlobalOptions& o, const std::string& v) { o.connection.cafile = v; }},
      {"--capath", [](GlobalOptions& o, const std::string& v) { o.connection.capath = v; }},
      {"--cert", [](GlobalOptions& o, const std::string& v) { o.connection.cert = v; }},
      {"--key", [](GlobalOptions& o, const std::string& v) { o.connection.key = v; }},
      {"-W",
       [](GlobalOptions& o, const std::string& v) { o.connection.wait_seconds = int(parse_int("-W", v, 1, 3600)); }},
      {"--page-size",
       [](GlobalOptions& o, const std::string& v) { o.page_size = int(parse_int("--page-size", v, 1, 1000)); }},
      {"-V",
       [](GlobalOptions& o, const std::string& v) {
         if (v == "5" || v == "mqttv5") {
           o.connection.protocol = 5;
         } else if (v == "311" || v == "mqttv311") {
           o.connection.protocol = 311;
         } else {
           throw usage_error("-V must be mqttv5 (5) or mqttv311 (311), not \"" + v + "\"");
         }
       }},
  };
  return options;
}

// Applies the global options of `tokens` from `i` on, up to the first
// positional (returned). `where` names the source in errors.
size_t apply(const std::vector<std::string>& tokens, size_t i, GlobalOptions& o, const std::string& where) {
  for (; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    if (t.empty() || t[0] != '-') return i;
    auto setter = valued_options().find(t);
    if (setter != valued_options().end()) {
      if (i + 1 >= tokens.size()) throw usage_error(t + " needs a value" + where);
      try {
        setter->second(o, tokens[++i]);
      } catch (const CliError& e) {
        throw usage_error(e.what() + where);
      }
    } else if (t == "--insecure") {
      o.connection.insecure = true;
    } else if (t == "--json") {
      o.json = true;
    } else if (t == "--help") {
      o.help = true;
    } else if (t == "-o") {
      throw usage_error(where.empty() ? "-o must be the first option" : "-o cannot be used" + where);
    } else {
      throw usage_error("unknown option " + t + where);
    }
  }
  return i;
}

}  // namespace

std::vector<std::string> read_options_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw usage_error("cannot read options file " + path);
  std::vector<std::string> tokens;
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    // The option, then the rest of the line as its value (a password may hold spaces).
    size_t space = line.find_first_of(" \t");
    tokens.push_back(line.substr(0, space));
    if (space != std::string::npos) tokens.push_back(trim(line.substr(space)));
  }
  return tokens;
}

GlobalOptions parse_global_options(const std::vector<std::string>& argv, const char* env_home, const char* env_xdg) {
  // -o must come first on the command line, as with mosquitto_ctrl.
  std::string file;
  size_t start = 0;
  if (!argv.empty() && argv[0] == "-o") {
    if (argv.size() < 2) throw usage_error("-o needs a value");
    file = argv[1];
    start = 2;
  } else {
    file = default_options_file(env_home, env_xdg);
  }
  GlobalOptions o;
  if (!file.empty()) {
    std::vector<std::string> tokens = read_options_file(file);
    std::string where = " in options file " + file;
    size_t stop = apply(tokens, 0, o, where);
    if (stop < tokens.size()) throw usage_error("unexpected \"" + tokens[stop] + "\"" + where);
  }
  size_t stop = apply(argv, start, o, "");
  o.command.assign(argv.begin() + static_cast<long>(stop), argv.end());
  if (o.connection.port == 0) {
    bool tls = !o.connection.cafile.empty() || !o.connection.capath.empty();
    o.connection.port = tls ? 8883 : 1883;
  }
  return o;
}

}  // namespace ota_cli
