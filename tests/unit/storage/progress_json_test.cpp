// The exact text of a progress record's JSON, in getDevice's answers and in the
// stored chunks (which databases already hold: their form may not drift).
#include "storage/progress_json.h"

#include <gtest/gtest.h>

#include <vector>

#include "storage/progress_chunk.h"

using namespace ota;

namespace {

std::string text(const ProgressRecord& r, ProgressForm form) {
  rapidjson::Document d;
  return to_json(progress_json(r, form, d.GetAllocator()));
}

const ProgressRecord kRecord{"m1", "firmware", "1.1", 30, "down \"loading\"", 2000};
const ProgressRecord kNoDesc{"m2", "firmware", "1.1", -2, "", 2001};

}  // namespace

TEST(ProgressJson, AdminFormAlwaysHasDescAndEndsWithTheId) {
  EXPECT_EQ(text(kRecord, ProgressForm::Admin),
            R"({"type":"firmware","version":"1.1","progress":30,"desc":"down \"loading\"","messageId":"m1",)"
            R"("at":2000})");
  EXPECT_EQ(text(kNoDesc, ProgressForm::Admin),
            R"({"type":"firmware","version":"1.1","progress":-2,"desc":"","messageId":"m2","at":2001})");
}

TEST(ProgressJson, StoredFormLeadsWithTheIdAndLeavesOutAnEmptyDesc) {
  EXPECT_EQ(text(kRecord, ProgressForm::Stored),
            R"({"messageId":"m1","type":"firmware","version":"1.1","progress":30,"desc":"down \"loading\"",)"
            R"("at":2000})");
  EXPECT_EQ(text(kNoDesc, ProgressForm::Stored),
            R"({"messageId":"m2","type":"firmware","version":"1.1","progress":-2,"at":2001})");
}

TEST(ProgressJson, AChunkIsStoredFormEntriesAndBareIds) {
  std::vector<ChunkEntry> entries{{kRecord, true}, {ProgressRecord{"m0", "", "", 0, "", 0}, false}, {kNoDesc, true}};
  EXPECT_EQ(encode_chunk(entries),
            R"([{"messageId":"m1","type":"firmware","version":"1.1","progress":30,"desc":"down \"loading\"",)"
            R"("at":2000},)"
            R"({"messageId":"m0"},)"
            R"({"messageId":"m2","type":"firmware","version":"1.1","progress":-2,"at":2001}])");
  EXPECT_EQ(encode_chunk(entries.data(), 0), "[]");
}
