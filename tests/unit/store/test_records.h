#pragma once
// A job and an execution of product "lamp", as the store tests write them.
#include <string>

#include "store/records.h"

namespace ota {

inline Job job(const std::string& id, const std::string& product = "lamp") {
  Job j;
  j.id = id;
  j.spec.product = product;
  j.spec.type = "firmware";
  j.spec.version = "2.0";
  j.spec.version_key = "firmware_ver";
  j.spec.url = "https://example.com/fw.bin";
  j.spec.md5 = "0123456789abcdef0123456789abcdef";
  j.spec.size = 1024;
  j.created_at = 100;
  return j;
}

inline Execution execution(const std::string& job_id, const std::string& device,
                           ExecState state = ExecState::Queued) {
  Execution e;
  e.job_id = job_id;
  e.device = {"lamp", device};
  e.type = "firmware";
  e.version = "2.0";
  e.version_key = "firmware_ver";
  e.request_id = "req-" + device;
  e.state = state;
  e.created_at = 100;
  e.updated_at = 100;
  return e;
}

}  // namespace ota
