#pragma once
// Reports accepted on the broker thread, on their way to the worker: copied
// back to back into one buffer that is kept from batch to batch, so that
// taking a report allocates nothing once the buffer has grown to a batch's
// size. The worker decodes them into Reports in order.
#include <cstddef>
#include <cstdint>
#include <string>

#include "protocol/reports.h"

namespace ota {

class ReportBatch {
 public:
  // Bytes a report takes in a batch.
  static size_t record_bytes(const ReportView& report);

  void append(const ReportView& report, int64_t at_ms);
  // Appends `other`'s reports after these.
  void append(const ReportBatch& other);
  size_t size() const { return count_; }
  size_t bytes() const { return bytes_.size(); }
  bool empty() const { return count_ == 0; }
  // Keeps the buffer.
  void clear();

  // The reports, in order, from the start.
  class Reader {
   public:
    explicit Reader(const ReportBatch& batch) : batch_(batch) {}
    bool done() const { return offset_ == batch_.bytes_.size(); }
    // The next report, valid while the batch is unchanged.
    ReportView next(int64_t& at_ms);

   private:
    const ReportBatch& batch_;
    size_t offset_ = 0;
  };

 private:
  std::string bytes_;
  size_t count_ = 0;
};

}  // namespace ota
