// Admin commands about signing: getSigningKey.
#include "admin/admin_commands.h"

namespace ota {

void admin_get_signing_key(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc) {
  args.only({});
  const SigningKey* key = ctx.options ? ctx.options->signing_key.get() : nullptr;
  if (!key) throw AdminError("not_found", "commands are not signed: plugin_opt_signing_key is not set");
  data.AddMember("keyId", json_string(key->id(), alloc), alloc);
  data.AddMember("publicKeyPem", json_string(key->public_key_pem(), alloc), alloc);
}

}  // namespace ota
